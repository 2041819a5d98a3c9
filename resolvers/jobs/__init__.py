"""Import jobs and exports: startImport, cancelJob, job, jobs, jobErrorReport, exportData,
jobProgress."""
