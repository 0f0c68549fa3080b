-- The scan request of a dashboard job (JSON), so that a server restarted while the job ran
-- can resume it from its checkpoint.
CREATE TABLE scan_job_requests (
    job_id  INTEGER PRIMARY KEY REFERENCES scan_jobs (id) ON DELETE CASCADE,
    request TEXT NOT NULL
);
