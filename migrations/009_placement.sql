-- How long each successful wake took, per machine: placement weighs a sleeping machine by its median.
CREATE TABLE machine_wakes (
  machine_id  INTEGER NOT NULL REFERENCES machines(id) ON DELETE CASCADE,
  at          TEXT NOT NULL,
  ms          INTEGER NOT NULL
);
CREATE INDEX machine_wakes_machine ON machine_wakes(machine_id, at);
