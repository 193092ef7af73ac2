//! Markdown parsing for the docs SQL runner.

/// One runnable SQL block of a doc page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// 1-based line of the opening fence, for error messages.
    pub line: usize,
    pub sql: String,
    pub expect_error: bool,
    pub expected: Option<String>,
}

/// The ```sql / ```sql-error blocks of a markdown text, each with the ```output block that
/// directly follows it (blank lines in between allowed, any other text not).
pub fn parse_blocks(md: &str) -> Vec<Block> {
    let fences = fenced(md);
    let mut out: Vec<Block> = Vec::new();
    for (i, f) in fences.iter().enumerate() {
        let expect_error = match f.lang.as_str() {
            "sql" => false,
            "sql-error" => true,
            _ => continue,
        };
        let expected = fences
            .get(i + 1)
            .filter(|n| n.lang == "output" && n.follows_directly)
            .map(|n| n.body.clone());
        out.push(Block {
            line: f.line,
            sql: f.body.clone(),
            expect_error,
            expected,
        });
    }
    out
}

struct Fence {
    line: usize,
    lang: String,
    body: String,
    /// Only blank lines separate this fence from the previous one.
    follows_directly: bool,
}

fn fenced(md: &str) -> Vec<Fence> {
    let mut fences = Vec::new();
    let mut open: Option<Fence> = None;
    let mut gap_is_blank = false;
    for (n, line) in md.lines().enumerate() {
        let t = line.trim_start();
        match open.as_mut() {
            Some(_) if t.starts_with("```") => {
                fences.extend(open.take());
                gap_is_blank = true;
            }
            Some(f) => {
                f.body.push_str(line);
                f.body.push('\n');
            }
            None if t.starts_with("```") => {
                open = Some(Fence {
                    line: n + 1,
                    lang: t.trim_start_matches('`').trim().to_lowercase(),
                    body: String::new(),
                    follows_directly: gap_is_blank && !fences.is_empty(),
                });
            }
            None => {
                if !t.is_empty() {
                    gap_is_blank = false;
                }
            }
        }
    }
    fences
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_sql_with_the_output_that_follows() {
        let md = "# T\n```sql\nSELECT 1;\n```\n\n```output\n ?column?\n----------\n        1\n```\ntext\n```sql-error\nSELECT x;\n```\nprose between\n```output\nERROR: x\n```\n```bash\nls\n```\n";
        let b = parse_blocks(md);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].sql, "SELECT 1;\n");
        assert_eq!(b[0].line, 2);
        assert!(b[0].expected.as_deref().unwrap().contains("?column?"));
        assert!(b[1].expect_error);
        assert_eq!(
            b[1].expected, None,
            "prose between the blocks detaches the output"
        );
    }
}
