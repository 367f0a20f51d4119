-- Carriers and their rules (regions, weight, fees), one JSON `domain::carrier::CarrierRule`
-- per carrier.
CREATE TABLE carriers (
    id TEXT PRIMARY KEY,
    json TEXT NOT NULL
);
ALTER TABLE shipments ADD COLUMN fee TEXT;
