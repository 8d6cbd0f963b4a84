-- DropForeignKey
ALTER TABLE "events" DROP CONSTRAINT "events_item_id_fkey";

-- DropForeignKey
ALTER TABLE "events" DROP CONSTRAINT "events_user_id_fkey";
