#!/bin/sh
# corpus.sh BUILD_DIR CORPUS_DIR - score the classifier on real mail
# written by other people (see CORPUS_DIR/README.md), through the same
# command an administrator uses: relancectl classify --json.
#
# CORPUS_DIR/LABELS.tsv lists path, expected kind (bounce, delay, reply)
# and, for bounces, the expected failed recipients (comma-separated).
# Prints per kind how many were right and which were not, and for
# bounces and delays whether the expected failed recipients were found
# (exactly that set, case ignored).
#
# Targets (exit 1 if one is missed):
#   - every bounce and every delay recognised as such;
#   - the failed recipients right for at least 95 % of the bounces and
#     delays that have an expectation;
#   - no human reply taken for a machine (bounce, delay, report,
#     autoreply, outgoing). A reply classified `unrelated` is right: the
#     corpus has no database, so no reply can be tied to an invoice.
# No configuration or database is used (RELANCE_CONF points nowhere).
set -u
B=${1:?usage: corpus.sh BUILD_DIR CORPUS_DIR}
C=${2:?usage: corpus.sh BUILD_DIR CORPUS_DIR}
SRC=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$C/LABELS.tsv" ] || { echo "corpus: $C/LABELS.tsv not found" >&2; exit 1; }
[ -x "$B/relancectl" ] || { echo "corpus: $B/relancectl not built" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Fields joined by \037: "read" would merge empty tab-separated fields.
US=$(printf '\037')
grep -v '^#' "$C/LABELS.tsv" |
    awk -F'\t' -v us="$US" 'NF >= 2 { print $1 us $2 us $3 }' > "$tmp/labels"

# One classify run per file keeps a crash on one file visible as such.
while IFS=$US read -r path kind rcpts; do
    out=$(RELANCE_CONF=/nonexistent "$B/relancectl" classify --json \
          --rules "$SRC/rules" "$C/$path" 2>/dev/null)
    rc=$?
    got=$(printf '%s\n' "$out" | sed -n 's/.*"kind":"\([a-z]*\)".*/\1/p')
    failed=$(printf '%s\n' "$out" |
             sed -n 's/.*"failed_recipients":\[\([^]]*\)\].*/\1/p' | tr -d '"')
    [ $rc -eq 0 ] || got="crash($rc)"
    printf '%s\t%s\t%s\t%s\t%s\n' "$path" "$kind" "${got:-none}" "$rcpts" \
        "$failed" >> "$tmp/results"
done < "$tmp/labels"

awk -F'\t' '
function lower_set(s,    n, a, i, out) {
    n = split(tolower(s), a, ",")
    # sort for a stable comparison
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
        if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    out = ""
    for (i = 1; i <= n; i++) if (a[i] != "") out = out (out == "" ? "" : ",") a[i]
    return out
}
{
    path = $1; want = $2; got = $3; expect = $4; found = $5
    total[want]++
    machine = (got == "bounce" || got == "delay" || got == "report" ||
               got == "autoreply" || got == "outgoing")
    if (want == "reply") ok = (got == "reply" || got == "unrelated")
    else ok = (got == want)
    if (ok) right[want]++
    else wrong[want] = wrong[want] "    " path ": got " got "\n"
    if ((want == "bounce" || want == "delay") && expect != "" && expect !~ /^\(none/) {
        rtotal++
        if (lower_set(expect) == lower_set(found)) rright++
        else rwrong = rwrong "    " path ": want " expect ", got " (found == "" ? "-" : found) "\n"
    }
}
END {
    miss = 0
    for (k in total) {
        printf "%-7s %3d/%3d right\n", k, right[k] + 0, total[k]
        if (wrong[k] != "") printf "%s", wrong[k]
        if (right[k] + 0 != total[k]) miss = 1
    }
    pct = rtotal ? 100.0 * rright / rtotal : 100
    printf "failed recipients: %d/%d right (%.1f %%, target 95 %%)\n", rright, rtotal, pct
    if (rwrong != "") printf "%s", rwrong
    if (pct < 95) miss = 1
    if (miss) { print "corpus: targets missed"; exit 1 }
    print "corpus: all targets met"
}' "$tmp/results"
