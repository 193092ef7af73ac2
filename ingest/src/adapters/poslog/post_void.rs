//! NCR RES's post-void record: the voided transaction restated.
//!
//! NCR RES (mobile POS, Japan) records a post-void as a transaction whose body
//! (`CustomerOrderTransaction`, `RetailTransaction`) has `TransactionStatus="Voided"` and the
//! void's own particulars beside the lines: `VoiderBusinessDayDate`, `VoiderBeginDateTime`,
//! `VoiderRetailStoreID`, `VoiderWorkstationID`, `VoiderOperatorID`, `VoiderSequenceNumber`.
//! The header (`RetailStoreID`, `WorkstationID`, `SequenceNumber`, `BusinessDayDate`,
//! `BeginDateTime`) is the voided sale's: NCR's own consolidation
//! (`ncr.res.mobilepos.consolidation.dao.SQLServerConsolidationDAO`, public in
//! github gl185115/testTransaction) journals such a record with `ORIGINALTRANNO` = the header's
//! `SequenceNumber` and its own number from `VoiderSequenceNumber`, and takes its lines off the
//! day's sales (`TxTypes.VOIDER`: sales amount and item count less the lines').
//!
//! So the record has the sale's key and time here and is `post_voided`; but with the sale's
//! version (0 without a `POSLogDateTime`) it never replaced it, as only a strictly newer
//! version replaces a stored transaction: the sale stayed counted beside a void of itself.
//! Its version is the void's time (`VoiderBeginDateTime`), later than the sale.

use super::xml::{child, text, when_node};
use super::{Bad, Context, R};
use roxmltree::Node;

/// The version of a post-void record: the void's time in milliseconds when the body states
/// it (`VoiderBeginDateTime`), else `version`, whichever is later. A time that cannot be read
/// rejects the transaction naming the element.
pub(super) fn version(ctx: &Context, store: &str, body: Node, version: i64) -> R<i64> {
    let Some(n) = child(body, "VoiderBeginDateTime").filter(|n| !text(*n).is_empty()) else {
        return Ok(version);
    };
    let at =
        when_node(ctx, store, n).map_err(|Bad(m)| Bad(format!("<VoiderBeginDateTime>: {m}")))?;
    Ok(version.max(at.timestamp_millis()))
}
