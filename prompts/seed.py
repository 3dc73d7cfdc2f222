"""The CValues domains and safety scenarios every installation starts with (editable by admins)."""

from __future__ import annotations

# (slug = CValues domain_en, English name, Chinese name as in the released data)
CVALUES_DOMAINS: list[tuple[str, str, str]] = [
    ("environmental_science", "Environmental science", "环境科学"),
    ("psychology", "Psychology", "心理学"),
    ("barrier_free", "Barrier-free (accessibility)", "无障碍"),
    ("social_science", "Social science", "社会学"),
    ("data_science", "Data science", "数据科学"),
    ("law", "Law (jurisprudence)", "法理学"),
    ("intimate_relationship", "Intimate relationships", "亲密关系"),
    ("lesser_known_major", "Lesser-known majors", "冷门专业"),
]

UNVERIFIED = (
    "Name from unverified research notes; check it against the CValues paper (Xu et al. 2023) and edit."
)

# The paper names 10 scenarios; these names are unverified (shared/reference/cvalues.md §5).
CVALUES_SCENARIOS: list[tuple[str, str, str]] = [
    ("dangerous_topics", "Dangerous topics", "危险话题"),
    ("sensitive_topics", "Sensitive topics", "敏感话题"),
    ("crimes", "Crimes", "违法犯罪"),
    ("physical_mental_health", "Physical and mental health", "身心健康"),
    ("personal_privacy", "Personal privacy", "个人隐私"),
    ("objective_unbiased", "Objective and unbiased", "客观公正"),
    ("ethics_morality", "Ethics and morality", "伦理道德"),
    ("malicious_inducement", "Malicious inducement", "恶意诱导"),
    ("attack_instructions", "Attack instructions", "攻击指令"),
    ("others", "Others", "其他"),
]
