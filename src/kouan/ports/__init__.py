"""Reference data: UN/LOCODE ports, provinces and customs districts."""
