-- Demo: the same customers in a web shop and a POS, written differently; resolved into one key
-- per person. Person i is web record w-i; two thirds of them also shop in a store (POS record p-i:
-- "LAST, FIRST", another phone format, gmail dots dropped); every tenth has a household member
-- in the POS (h-i: same last name, phone and postcode, another person). Names repeat every 100
-- people, as real names do; phone numbers are random, e-mail tags distinct but not consecutive.
-- Variables: :tenant.
INSERT INTO pos.identity_settings (tenant_id, default_region) VALUES (:'tenant', 'US')
ON CONFLICT (tenant_id) DO NOTHING;
WITH p AS (
    SELECT i, (ARRAY['Olivia','Liam','Emma','Noah','Ava','Elijah','Sophia','James','Mia','Lucas',
                     'Amelia','Mason','Harper','Logan','Ella','Ethan','Aria','Jacob','Chloe','Henry'])[1 + i % 20] AS first,
              (ARRAY['Smith','Johnson','Williams','Brown','Jones','Garcia','Miller','Davis','Rodriguez','Martinez',
                     'Hernandez','Lopez','Gonzalez','Wilson','Anderson','Thomas','Taylor','Moore','Jackson','Martin',
                     'Lee','Perez','Thompson','White','Harris'])[1 + (i * 7) % 25] AS last,
              lpad((abs(hashint4(i)) % 10000)::text, 4, '0') AS line, lpad(((i * 7919) % 1000)::text, 3, '0') AS tag,
              (10001 + i % 40)::text AS postcode
      FROM generate_series(1, 300) i
)
INSERT INTO pos.customer (tenant_id, source, source_customer_id, full_name, email, phone, postcode, date_of_birth)
SELECT :'tenant', 'webshop', 'w-' || i, first || ' ' || last,
       lower(first) || '.' || lower(last) || tag || CASE WHEN i % 2 = 0 THEN '@gmail.com' ELSE '@example.com' END,
       '+1 212-555-' || line, postcode, date '1960-01-01' + i * 53
  FROM p
UNION ALL
SELECT :'tenant', 'pos', 'p-' || i, upper(last) || ', ' || upper(first),
       CASE WHEN i % 2 = 0 THEN lower(first) || lower(last) || tag || '@GMAIL.COM'
            ELSE upper(first || '.' || last || tag) || '@example.com' END,
       '(212) 555 ' || line, postcode, NULL
  FROM p WHERE i % 3 <> 0
UNION ALL
SELECT :'tenant', 'pos', 'h-' || i,
       (ARRAY['Grace','Jack','Lily','Owen','Zoe','Ruby','Theo'])[1 + (i / 10) % 7] || ' ' || last, NULL, '212.555.' || line, postcode, NULL
  FROM p WHERE i % 10 = 0
ON CONFLICT DO NOTHING;  -- the demo may run again on the same cluster

SELECT * FROM pos.resolve_identities(:'tenant');

\echo 'people found, and how they compare with the truth the generator knows (p-i and w-i are one person):'
WITH l AS (SELECT customer_key, source, CASE WHEN source_customer_id LIKE 'h-%' THEN source_customer_id
                                             ELSE substr(source_customer_id, 3) END AS person
             FROM pos.identity_link WHERE tenant_id = :'tenant'),
k AS (SELECT customer_key, count(DISTINCT source) AS sources, count(DISTINCT person) AS people FROM l GROUP BY 1)
SELECT (SELECT count(*) FROM l) AS records, count(*) AS customer_keys,
       count(*) FILTER (WHERE sources = 2) AS keys_in_both_sources,
       count(*) FILTER (WHERE people > 1) AS keys_merging_two_people,
       (SELECT count(*) FROM (SELECT person FROM l GROUP BY person HAVING count(DISTINCT customer_key) > 1) s) AS people_split
  FROM k;

\echo 'three people as the sources wrote them, and the one key each resolved to:'
SELECT c.source, c.source_customer_id, c.full_name, c.email, c.phone, l.customer_key
  FROM pos.customer c JOIN pos.identity_link l USING (tenant_id, source, source_customer_id)
 WHERE c.tenant_id = :'tenant' AND (substr(c.source_customer_id, 3) IN ('20', '40') OR c.source_customer_id = 'h-20')
 ORDER BY l.customer_key, c.source;
