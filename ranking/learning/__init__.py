"""Learn from users: preference pairs from ratings and corrections, ORPO/DPO tuning, staff runs.

`pairs` (builds training pairs from the database) and `preference` (the
losses and the training loop, plain Python that imports nothing from
Django) are the parts a reader can test from a shell; `models`, `runs`,
`views` and the management commands wrap them for the admin and the worker.
"""
