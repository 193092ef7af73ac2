//! Pseudonymous customer keys that stay put. Analysts join on `customer_key`; if resolving again
//! after new records arrive renamed existing people, every saved report would break. So a group
//! keeps the key most of its members already had; only groups with no previous key (or that lost
//! the key to a larger part of a split) get a new one, derived from tenant and record id by a hash
//! so it reveals no PII and is the same on every run.

use std::collections::{HashMap, HashSet};

/// Assigns a key to each group. `ids[r]` is record r's stable id (e.g. `source/source_customer_id`),
/// `previous` maps ids to the keys they had.
pub fn assign_keys(
    tenant: &str,
    groups: &[Vec<u32>],
    ids: &[String],
    previous: &HashMap<String, String>,
) -> Vec<String> {
    let mut order: Vec<usize> = (0..groups.len()).collect();
    // Larger groups claim first, so a split leaves the key with the bigger part.
    let min_id = |g: usize| {
        groups[g]
            .iter()
            .map(|&r| ids[r as usize].as_str())
            .min()
            .unwrap_or("")
    };
    order.sort_by(|&a, &b| {
        groups[b]
            .len()
            .cmp(&groups[a].len())
            .then_with(|| min_id(a).cmp(min_id(b)))
    });
    let mut taken: HashSet<String> = HashSet::new();
    let reserved: HashSet<&String> = previous.values().collect();
    let mut keys = vec![String::new(); groups.len()];
    for g in order {
        let mut votes: HashMap<&String, usize> = HashMap::new();
        for &r in &groups[g] {
            if let Some(k) = previous.get(&ids[r as usize]) {
                *votes.entry(k).or_default() += 1;
            }
        }
        let mut ranked: Vec<(&String, usize)> = votes
            .into_iter()
            .filter(|(k, _)| !taken.contains(*k))
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let key = match ranked.first() {
            Some((k, _)) => (*k).clone(),
            None => mint(tenant, min_id(g), |k| {
                taken.contains(k) || reserved.contains(&k.to_string())
            }),
        };
        taken.insert(key.clone());
        keys[g] = key;
    }
    keys
}

/// `ck_` + 16 hex digits of a 64-bit FNV-1a hash (finalized by a mixer) of tenant and record id;
/// a counter is mixed in on the rare collision.
fn mint(tenant: &str, seed_id: &str, in_use: impl Fn(&str) -> bool) -> String {
    (0u32..)
        .map(|salt| {
            format!(
                "ck_{:016x}",
                mix(fnv1a(&[
                    tenant.as_bytes(),
                    b"\x1f",
                    seed_id.as_bytes(),
                    &salt.to_le_bytes()
                ]))
            )
        })
        .find(|k| !in_use(k))
        .expect("a free key exists")
}

fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.iter().flat_map(|p| p.iter()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("pos/{i}")).collect()
    }

    #[test]
    fn keys_survive_new_records_joining_and_arriving() {
        let first = assign_keys("t1", &[vec![0, 1], vec![2]], &ids(3), &HashMap::new());
        assert_ne!(first[0], first[1]);
        assert!(first.iter().all(|k| k.starts_with("ck_") && k.len() == 19));
        let prev: HashMap<String, String> = [(0, &first[0]), (1, &first[0]), (2, &first[1])]
            .iter()
            .map(|(r, k)| (format!("pos/{r}"), (*k).clone()))
            .collect();
        // Record 3 joins person {0,1}; record 4 is someone new; group order changed.
        let second = assign_keys("t1", &[vec![4], vec![2], vec![0, 1, 3]], &ids(5), &prev);
        assert_eq!(second[2], first[0]);
        assert_eq!(second[1], first[1]);
        assert!(second[0] != first[0] && second[0] != first[1]);
    }

    #[test]
    fn a_split_leaves_the_key_with_the_larger_part_and_keys_are_deterministic() {
        let prev: HashMap<String, String> = (0..3)
            .map(|r| (format!("pos/{r}"), "ck_old".to_string()))
            .collect();
        let keys = assign_keys("t1", &[vec![2], vec![0, 1]], &ids(3), &prev);
        assert_eq!(keys[1], "ck_old");
        assert_ne!(keys[0], "ck_old");
        assert_eq!(
            keys,
            assign_keys("t1", &[vec![2], vec![0, 1]], &ids(3), &prev)
        );
        assert_ne!(
            assign_keys("t2", &[vec![0]], &ids(1), &HashMap::new()),
            assign_keys("t1", &[vec![0]], &ids(1), &HashMap::new())
        );
    }
}
