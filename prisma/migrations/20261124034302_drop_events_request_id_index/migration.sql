-- DropIndex
DROP INDEX "events_request_id_idx";
