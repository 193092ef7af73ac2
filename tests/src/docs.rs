//! Markdown parsing for the docs SQL runner.

/// One runnable SQL block of a doc page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// 1-based line of the opening fence, for error messages.
    pub line: usize,
    /// 1-based line of the block's closing fence (where `--record` inserts a missing output).
    pub end_line: usize,
    pub sql: String,
    pub expect_error: bool,
    pub expected: Option<String>,
    /// 1-based line of the opening fence of the ```output block, when there is one.
    pub output_line: Option<usize>,
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
        let output = fences
            .get(i + 1)
            .filter(|n| n.lang == "output" && n.follows_directly);
        out.push(Block {
            line: f.line,
            end_line: f.end_line,
            sql: f.body.clone(),
            expect_error,
            expected: output.map(|n| n.body.clone()),
            output_line: output.map(|n| n.line),
        });
    }
    out
}

struct Fence {
    line: usize,
    end_line: usize,
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
            Some(f) if t.starts_with("```") => {
                f.end_line = n + 1;
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
                    end_line: 0,
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

/// `md` with each block's ```output replaced by (or, when missing and `got` is not empty,
/// completed with) the text in `got`, keyed by the block's opening line. Used by `doc-sql
/// --record` to write down what the real extension prints, for a human to review in the diff.
pub fn record_outputs(md: &str, blocks: &[Block], got: &[(usize, String)]) -> String {
    use std::collections::HashMap;
    let by_line: HashMap<usize, &String> = got.iter().map(|(l, g)| (*l, g)).collect();
    let mut replace_at = HashMap::new();
    let mut insert_after = HashMap::new();
    for b in blocks {
        let Some(g) = by_line.get(&b.line) else {
            continue;
        };
        match b.output_line {
            Some(o) => replace_at.insert(o, g.as_str()),
            None if !g.is_empty() => insert_after.insert(b.end_line, g.as_str()),
            None => None,
        };
    }
    let mut out = String::new();
    let mut skipping = false;
    for (n, line) in md.lines().enumerate() {
        let n = n + 1;
        if skipping {
            if line.trim_start().starts_with("```") {
                skipping = false;
                out.push_str(line);
                out.push('\n');
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if let Some(body) = replace_at.get(&n) {
            push_body(&mut out, body);
            skipping = true;
        } else if let Some(body) = insert_after.get(&n) {
            out.push_str("```output\n");
            push_body(&mut out, body);
            out.push_str("```\n");
        }
    }
    out
}

fn push_body(out: &mut String, body: &str) {
    if !body.is_empty() {
        out.push_str(body);
        out.push('\n');
    }
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

    #[test]
    fn record_replaces_and_inserts_outputs() {
        let md = "```sql\nSELECT 1;\n```\n```output\nold\n```\n```sql\nSELECT 2;\n```\nend\n";
        let b = parse_blocks(md);
        assert_eq!((b[0].end_line, b[0].output_line), (3, Some(4)));
        let got = vec![(1, "one".to_string()), (7, "two".to_string())];
        assert_eq!(
            record_outputs(md, &b, &got),
            "```sql\nSELECT 1;\n```\n```output\none\n```\n```sql\nSELECT 2;\n```\n```output\ntwo\n```\nend\n"
        );
    }
}
