//! Operation parameter digests, to tell whether a resource's definition
//! changed since an operation recorded in the status ran (Pacemaker's
//! `pe_digest.c`: `rsc_action_digest_cmp`, `calculate_main_digest`,
//! `calculate_restart_digest`, `pcmk__filter_op_for_digest`).
//!
//! A digest is the MD5 of the parameters written as one unformatted XML
//! element with its attributes sorted by name, exactly as the controller
//! recorded it, so that digests found in a CIB written by Pacemaker match.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::ws::*;

/// How a recorded operation's parameters compare with the configuration
/// (`enum rsc_digest_cmp_val`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestCmp {
    /// Nothing changed.
    Match,
    /// A parameter that cannot be reloaded changed.
    Restart,
    /// Some parameter changed.
    All,
    /// The history has no digest to compare against.
    Unknown,
}

/// The parameters an operation runs with, as digested: the resource's
/// instance attributes, the op's own ones, and for a recurring op its
/// timeout (`calculate_main_digest`).
pub fn op_params(
    ws: &WorkingSet,
    r: RscIdx,
    task: &str,
    interval_ms: u64,
) -> BTreeMap<String, String> {
    op_params_ref(ws, r, task, interval_ms)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.into_owned()))
        .collect()
}

/// [`op_params`] borrowing names and values from the working set, for
/// digests compared and dropped (every active history entry has its
/// digests compared on every run of the scheduler).
fn op_params_ref<'a>(
    ws: &'a WorkingSet,
    r: RscIdx,
    task: &str,
    interval_ms: u64,
) -> BTreeMap<&'a str, Cow<'a, str>> {
    // Meta-attributes and bookkeeping attributes are left out
    // (`should_filter_for_digest`); filtered as they are copied rather
    // than copied and then removed.
    let digested = |k: &str| {
        !matches!(
            k,
            "id" | "crm_feature_set"
                | "op-digest"
                | "on_node"
                | "on_node_uuid"
                | "pcmk_external_ip"
        ) && !k.starts_with("CRM_meta_")
    };
    let rsc = ws.rsc(r);
    let mut params: BTreeMap<&str, Cow<str>> = rsc
        .params
        .iter()
        .filter(|(k, _)| digested(k))
        .map(|(k, v)| (k.as_str(), Cow::Borrowed(v.as_str())))
        .collect();
    if let Some(host) = super::bundle::remote_addr(ws, r) {
        params.insert("addr", Cow::Owned(host));
    }
    let op = rsc
        .ops
        .iter()
        .find(|o| o.name == task && o.interval_ms == interval_ms);
    if let Some(op) = op {
        for (k, v) in op.params.iter().filter(|(k, _)| digested(k)) {
            params.insert(k.as_str(), Cow::Borrowed(v.as_str()));
        }
    }
    if interval_ms > 0 {
        let timeout = op
            .and_then(|o| o.timeout_ms)
            .unwrap_or(DEFAULT_OP_TIMEOUT_MS);
        let mut text = String::with_capacity(20);
        crate::cib::values::push_u64(&mut text, timeout);
        params.insert("CRM_meta_timeout", Cow::Owned(text));
    }
    params
}

/// Pacemaker's default operation timeout (20s).
pub const DEFAULT_OP_TIMEOUT_MS: u64 = 20_000;

/// The digest of a parameter set (`calculate_operation_digest`).
pub fn params_digest(params: &BTreeMap<String, String>) -> String {
    pairs_digest(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// The digest of parameters given in name order.
fn pairs_digest<'a>(params: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    md5_hex(digest_text(params).as_bytes())
}

/// The text digested for parameters given in name order.
fn digest_text<'a>(params: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut text = String::with_capacity(256);
    text.push_str(" <parameters");
    for (k, v) in params {
        text.push(' ');
        text.push_str(k);
        text.push_str("=\"");
        escape_attr_into(v, &mut text);
        text.push('"');
    }
    text.push_str("/>\n");
    text
}

/// [`params_digest`] of borrowed parameters, through `digests`.
fn ref_digest(params: &BTreeMap<&str, Cow<str>>, digests: &mut Digests) -> String {
    digests.of(digest_text(params.iter().map(|(k, v)| (*k, v.as_ref()))))
}

/// Digests computed during one pass over the status, by the text digested.
///
/// One pass digests the same parameters again and again: each node's
/// history of a resource, and each instance of an anonymous clone, have one
/// text, and an MD5 costs far more than finding its text among the few
/// seen. The caller keeps it for that pass only (a local, never beyond
/// one run of the scheduler).
#[derive(Debug, Default)]
pub struct Digests {
    seen: Vec<(String, String)>,
}

impl Digests {
    /// The MD5 of `text`, computed unless it was before.
    fn of(&mut self, text: String) -> String {
        if let Some((_, digest)) = self.seen.iter().find(|(t, _)| *t == text) {
            return digest.clone();
        }
        let digest = md5_hex(text.as_bytes());
        self.seen.push((text, digest.clone()));
        digest
    }
}

/// Appends an attribute value escaped as libxml2 writes it.
fn escape_attr_into(v: &str, out: &mut String) {
    for c in v.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

/// What a history entry recorded of its parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Recorded<'a> {
    /// `op-digest`: of all of them.
    pub op_digest: Option<&'a str>,
    /// `op-restart-digest`: of those needing a restart when changed.
    pub restart_digest: Option<&'a str>,
    /// `op-force-restart`: which those are, space-separated.
    pub force_restart_list: Option<&'a str>,
}

/// Compares a recorded operation's digests with what the configuration
/// gives now (`rsc_action_digest_cmp`). `task` is the task whose
/// parameters count (a probe is compared with the start).
pub fn digest_cmp(
    ws: &WorkingSet,
    r: RscIdx,
    task: &str,
    interval_ms: u64,
    recorded: Recorded<'_>,
    digests: &mut Digests,
) -> DigestCmp {
    let Recorded {
        op_digest,
        restart_digest,
        force_restart_list,
    } = recorded;
    if restart_digest.is_none() && op_digest.is_none() {
        // Nothing recorded to compare with.
        return DigestCmp::Unknown;
    }
    let all = op_params_ref(ws, r, task, interval_ms);
    // Without a list of parameters needing a restart, the restart digest
    // is the digest of them all: computed once for both.
    let mut all_digest = None;
    if let Some(recorded) = restart_digest {
        // Only the parameters that need a restart when changed, if the
        // agent said which (`calculate_restart_digest`).
        let digest = match force_restart_list {
            Some(list) => {
                let mut restart = all.clone();
                restart.retain(|k, _| list.contains(&format!(" {k} ")));
                ref_digest(&restart, digests)
            }
            None => all_digest.insert(ref_digest(&all, digests)).clone(),
        };
        if digest != recorded {
            return DigestCmp::Restart;
        }
    }
    match op_digest {
        None => DigestCmp::Unknown,
        Some(d) if d != *all_digest.get_or_insert_with(|| ref_digest(&all, digests)) => {
            // A one-shot op with parameters of its own restarts rather than
            // reloads, so that those parameters are applied
            // (`calculate_main_digest`).
            let own_params =
                ws.rsc(r).ops.iter().any(|o| {
                    o.name == task && o.interval_ms == interval_ms && !o.params.is_empty()
                });
            if interval_ms == 0 && own_params {
                DigestCmp::Restart
            } else {
                DigestCmp::All
            }
        }
        Some(_) => DigestCmp::Match,
    }
}

/// Whether only parameters hidden from a sanitized CIB changed: the
/// recorded secure digest (of the parameters without secrets) still
/// matches (`only_sanitized_changed`, `calculate_secure_digest`).
/// `crm_simulate` always compares this way, its input being possibly
/// sanitized.
pub fn only_secure_changed(
    ws: &WorkingSet,
    r: RscIdx,
    task: &str,
    interval_ms: u64,
    secure_digest: Option<&str>,
    secure_list: Option<&str>,
    op_version: Option<&str>,
) -> bool {
    let Some(recorded) = secure_digest else {
        return false;
    };
    let old_version = version_lt(op_version, "3.16.0");
    let mut params = if old_version {
        // Older controllers hashed the resource's own parameters only.
        let mut p = ws.rsc(r).params.clone();
        p.retain(|k, _| !k.starts_with("CRM_meta_"));
        p
    } else {
        op_params(ws, r, task, interval_ms)
    };
    if let Some(list) = secure_list {
        params.retain(|k, _| !list.contains(&format!(" {k} ")));
    }
    if old_version {
        if ws.rsc(r).is_fence_device {
            params.retain(|k, _| !is_stonith_param(k));
        }
        params.remove("CRM_meta_timeout");
    }
    params_digest(&params) == recorded
}

/// Fencing parameters Pacemaker itself handles (`pcmk_stonith_param`).
pub(crate) fn is_stonith_param(name: &str) -> bool {
    if !name.starts_with("pcmk_") {
        return false;
    }
    if matches!(
        name,
        "pcmk_action_limit"
            | "pcmk_delay_base"
            | "pcmk_delay_max"
            | "pcmk_host_argument"
            | "pcmk_host_check"
            | "pcmk_host_list"
            | "pcmk_host_map"
    ) {
        return true;
    }
    match name[5..].find('_') {
        Some(i) => matches!(&name[5 + i..], "_action" | "_timeout" | "_retries"),
        None => false,
    }
}

/// Dotted version comparison (`compare_version`), a missing version
/// being the oldest.
pub(crate) fn version_lt(v: Option<&str>, than: &str) -> bool {
    let Some(v) = v else { return true };
    // Field by field, a missing or unreadable field counting as 0.
    let number = |p: Option<&str>| -> u64 { p.and_then(|p| p.parse().ok()).unwrap_or(0) };
    let (mut a, mut b) = (v.split('.'), than.split('.'));
    loop {
        let (x, y) = (a.next(), b.next());
        if x.is_none() && y.is_none() {
            return false;
        }
        let (x, y) = (number(x), number(y));
        if x != y {
            return x < y;
        }
    }
}

/// MD5 (RFC 1321) of some bytes, as 32 lower-case hex digits.
pub fn md5_hex(data: &[u8]) -> String {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    // K[i] = floor(2^32 × |sin(i + 1)|), as RFC 1321 defines it.
    const K: [u32; 64] = [
        0xd76a_a478,
        0xe8c7_b756,
        0x2420_70db,
        0xc1bd_ceee,
        0xf57c_0faf,
        0x4787_c62a,
        0xa830_4613,
        0xfd46_9501,
        0x6980_98d8,
        0x8b44_f7af,
        0xffff_5bb1,
        0x895c_d7be,
        0x6b90_1122,
        0xfd98_7193,
        0xa679_438e,
        0x49b4_0821,
        0xf61e_2562,
        0xc040_b340,
        0x265e_5a51,
        0xe9b6_c7aa,
        0xd62f_105d,
        0x0244_1453,
        0xd8a1_e681,
        0xe7d3_fbc8,
        0x21e1_cde6,
        0xc337_07d6,
        0xf4d5_0d87,
        0x455a_14ed,
        0xa9e3_e905,
        0xfcef_a3f8,
        0x676f_02d9,
        0x8d2a_4c8a,
        0xfffa_3942,
        0x8771_f681,
        0x6d9d_6122,
        0xfde5_380c,
        0xa4be_ea44,
        0x4bde_cfa9,
        0xf6bb_4b60,
        0xbebf_bc70,
        0x289b_7ec6,
        0xeaa1_27fa,
        0xd4ef_3085,
        0x0488_1d05,
        0xd9d4_d039,
        0xe6db_99e5,
        0x1fa2_7cf8,
        0xc4ac_5665,
        0xf429_2244,
        0x432a_ff97,
        0xab94_23a7,
        0xfc93_a039,
        0x655b_59c3,
        0x8f0c_cc92,
        0xffef_f47d,
        0x8584_5dd1,
        0x6fa8_7e4f,
        0xfe2c_e6e0,
        0xa301_4314,
        0x4e08_11a1,
        0xf753_7e82,
        0xbd3a_f235,
        0x2ad7_d2bb,
        0xeb86_d391,
    ];
    // The message, a 1 bit, zeros up to 8 bytes short of a whole block, and
    // the length in bits.
    let padded_len = (data.len() + 8) / 64 * 64 + 64;
    let mut msg = Vec::with_capacity(padded_len);
    msg.extend_from_slice(data);
    msg.push(0x80);
    msg.resize(padded_len - 8, 0);
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.extend_from_slice(&bit_len.to_le_bytes());
    // One step of a round on the state [a, b, c, d], given the round
    // function's value `f`, the step number and the message word.
    fn step([a, b, c, d]: [u32; 4], f: u32, i: usize, word: u32) -> [u32; 4] {
        let f = f.wrapping_add(a).wrapping_add(K[i]).wrapping_add(word);
        [d, b.wrapping_add(f.rotate_left(S[i])), b, c]
    }
    let mut state = [
        0x6745_2301u32,
        0xefcd_ab89u32,
        0x98ba_dcfeu32,
        0x1032_5476u32,
    ];
    for chunk in msg.chunks_exact(64) {
        let m: [u32; 16] = std::array::from_fn(|i| {
            u32::from_le_bytes([
                chunk[4 * i],
                chunk[4 * i + 1],
                chunk[4 * i + 2],
                chunk[4 * i + 3],
            ])
        });
        // The four rounds as four loops, so that each one's function and
        // word order are fixed and the compiler can unroll them.
        let mut s = state;
        for (i, &word) in m.iter().enumerate() {
            let [_, b, c, d] = s;
            s = step(s, (b & c) | (!b & d), i, word);
        }
        for i in 16..32 {
            let [_, b, c, d] = s;
            s = step(s, (d & b) | (!d & c), i, m[(5 * i + 1) % 16]);
        }
        for i in 32..48 {
            let [_, b, c, d] = s;
            s = step(s, b ^ c ^ d, i, m[(3 * i + 5) % 16]);
        }
        for i in 48..64 {
            let [_, b, c, d] = s;
            s = step(s, c ^ (b | !d), i, m[(7 * i) % 16]);
        }
        for (total, v) in state.iter_mut().zip(s) {
            *total = total.wrapping_add(v);
        }
    }
    let [a0, b0, c0, d0] = state;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for v in [a0, b0, c0, d0] {
        for byte in v.to_le_bytes() {
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0xf)] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_known_values() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        // RFC 1321's test suite: two blocks, and padding filling one.
        assert_eq!(
            md5_hex(
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
            ),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
        assert_eq!(
            md5_hex(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f"
        );
    }

    #[test]
    fn digest_of_no_parameters_matches_pacemaker() {
        assert_eq!(
            params_digest(&BTreeMap::new()),
            "f2317cad3d54cec5d7d7aa7d0bf35cf8"
        );
        let mut p = BTreeMap::new();
        p.insert("ip".to_string(), "192.168.122.107".to_string());
        p.insert("cidr_netmask".to_string(), "12".to_string());
        assert_eq!(params_digest(&p), "5e4ec167863c63d7f336b0bc1b18fb32");
    }
}
