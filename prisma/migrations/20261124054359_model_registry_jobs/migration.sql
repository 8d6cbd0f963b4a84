-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "cancel_requested" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "heartbeat_at" TIMESTAMP(3),
ADD COLUMN     "worker" TEXT;

-- AlterTable
ALTER TABLE "model_versions" ADD COLUMN     "decision" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "job_id" INTEGER,
ADD COLUMN     "name" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "job_locks" (
    "name" TEXT NOT NULL,
    "job_id" INTEGER,
    "holder" TEXT NOT NULL,
    "acquired_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "job_locks_pkey" PRIMARY KEY ("name")
);
