-- The commit-time fraud trigger as main had it at 4c89ca1 (queued for every header, no WHEN):
-- for A/B runs of an older pos-ingest against the schema it shipped with (ab-generate.sh BIN+this).
DROP TRIGGER fraud_score_on_commit ON pos.txn;
CREATE CONSTRAINT TRIGGER fraud_score_on_commit AFTER INSERT OR UPDATE ON pos.txn
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pos.fraud_on_txn();
