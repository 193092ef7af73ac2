#!/usr/bin/env python3
"""A CSV in the shape of UCI Online Retail (541 909 rows, 2010-12 .. 2011-09), for a
scale check of `pos-ingest import --format csv:uci_online_retail` and of `replay`:
  python3 benches/ingest/online-retail-file.py > /tmp/or.csv
  printf '[csv.uci_online_retail]\\npath = "ingest/mappings/uci_online_retail.toml"\\n' > /tmp/or.toml
  pos-ingest --config /tmp/or.toml import /tmp/or.csv --format csv:uci_online_retail --url URL
  pos-ingest --config /tmp/or.toml replay --status all --url URL
Invoices of 1-40 lines, 2 % cancellations (`C…`, negative quantities), a quarter without
customer, descriptions with quoted commas, times every 1-30 minutes (some fall in the
2011-03-27 daylight-saving gap of Europe/London)."""
import datetime
import random

random.seed(7)
codes = [str(20000 + i) for i in range(3000)]
countries = ["United Kingdom"] * 8 + ["France", "EIRE", "Germany"]
prices = ["0.42", "0.85", "1.25", "1.65", "2.95", "3.75", "4.95", "12.75"]
print("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country")
t = datetime.datetime(2010, 12, 1, 8, 0)
rows, inv = 0, 536365
while rows < 541909:
    n = random.randint(1, 40)
    cancel = random.random() < 0.02
    cust = str(random.randint(12346, 18287)) if random.random() > 0.25 else ""
    t += datetime.timedelta(minutes=random.randint(1, 30))
    when = f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}"
    no = ("C" if cancel else "") + str(inv)
    inv += 1
    country = random.choice(countries)
    for _ in range(n):
        code = random.choice(codes)
        q = random.choice([1, 2, 3, 4, 6, 12, 24]) * (-1 if cancel else 1)
        print(f'{no},{code},"ITEM {code}, ASSORTED",{q},{when},{random.choice(prices)},{cust},{country}')
        rows += 1
