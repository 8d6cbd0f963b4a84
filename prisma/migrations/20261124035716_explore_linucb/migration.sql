-- CreateTable
CREATE TABLE "explore_linucb_arms" (
    "placement" TEXT NOT NULL,
    "item_id" INTEGER NOT NULL,
    "dimension" INTEGER NOT NULL,
    "ridge" DOUBLE PRECISION NOT NULL,
    "a" DOUBLE PRECISION[],
    "b" DOUBLE PRECISION[],
    "updates" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "explore_linucb_arms_pkey" PRIMARY KEY ("placement","item_id")
);
