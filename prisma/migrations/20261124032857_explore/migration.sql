-- CreateEnum
CREATE TYPE "ExperimentStatus" AS ENUM ('draft', 'running', 'stopped');

-- CreateTable
CREATE TABLE "explore_arm_stats" (
    "placement" TEXT NOT NULL,
    "item_id" INTEGER NOT NULL,
    "impressions" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "clicks" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "explore_arm_stats_pkey" PRIMARY KEY ("placement","item_id")
);

-- CreateTable
CREATE TABLE "explore_impressions" (
    "id" BIGSERIAL NOT NULL,
    "request_id" TEXT NOT NULL,
    "placement" TEXT NOT NULL,
    "item_id" INTEGER NOT NULL,
    "slot" INTEGER NOT NULL,
    "propensity" DOUBLE PRECISION NOT NULL,
    "explore" BOOLEAN NOT NULL,
    "policy" TEXT NOT NULL,
    "user_id" TEXT,
    "experiment_key" TEXT,
    "variant" TEXT,
    "clicked" BOOLEAN NOT NULL DEFAULT false,
    "served_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "clicked_at" TIMESTAMP(3),

    CONSTRAINT "explore_impressions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "experiments" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "placement" TEXT,
    "status" "ExperimentStatus" NOT NULL DEFAULT 'draft',
    "variants" JSONB NOT NULL,
    "decision_rule" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "stopped_at" TIMESTAMP(3),
    "winner" TEXT,
    "decision" JSONB,

    CONSTRAINT "experiments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "experiment_variant_stats" (
    "experiment_id" INTEGER NOT NULL,
    "variant" TEXT NOT NULL,
    "impressions" BIGINT NOT NULL DEFAULT 0,
    "clicks" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "experiment_variant_stats_pkey" PRIMARY KEY ("experiment_id","variant")
);

-- CreateIndex
CREATE INDEX "explore_impressions_placement_served_at_idx" ON "explore_impressions"("placement", "served_at");

-- CreateIndex
CREATE INDEX "explore_impressions_experiment_key_variant_idx" ON "explore_impressions"("experiment_key", "variant");

-- CreateIndex
CREATE UNIQUE INDEX "explore_impressions_request_id_item_id_key" ON "explore_impressions"("request_id", "item_id");

-- CreateIndex
CREATE UNIQUE INDEX "experiments_key_key" ON "experiments"("key");

-- CreateIndex
CREATE INDEX "experiments_status_idx" ON "experiments"("status");

-- AddForeignKey
ALTER TABLE "experiment_variant_stats" ADD CONSTRAINT "experiment_variant_stats_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

