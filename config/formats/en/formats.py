# English dates as people outside the US read them too: day, month name, year (never 11/29/2026),
# 24-hour time. Chinese pages keep Django's zh_Hans formats (2026年11月29日 22:04).
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i:s"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
