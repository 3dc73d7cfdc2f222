"""The quality-control settings of a campaign: one list for the quality page, the API and the
Django admin (which shows them read-only)."""

QUALITY_SETTINGS = (
    "gold_rate",
    "training",
    "attention_every",
    "failures_allowed",
    "qualification_pass_mark",
    "qualification_from",
    "adjudication_threshold",
    "adjudication_sample",
    "judges_max",
    "competence_min",
    "rating_bias_max",
    "rating_spread_max",
)
