//! Every view of the `pos` schema says what it is and what each column means: BI tools show
//! these comments as descriptions, and `GET /v1/views` serves them.
use pos_e2e::fresh_db;

#[test]
fn every_view_and_column_of_pos_is_described() {
    let mut c = fresh_db("e2e_comments");
    let undescribed: Vec<String> = c
        .query(
            "SELECT c.relname || coalesce('.' || a.attname, '')
               FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'pos'
               LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                                       AND col_description(c.oid, a.attnum) IS NULL
              WHERE c.relkind IN ('v', 'm')
                AND (a.attname IS NOT NULL OR obj_description(c.oid, 'pg_class') IS NULL)
              ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(undescribed.is_empty(), "no COMMENT: {undescribed:?}");
    let views: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_views WHERE schemaname = 'pos'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(views >= 7, "{views} views in pos");
}
