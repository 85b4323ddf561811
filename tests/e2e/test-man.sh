#!/bin/bash
# test-man.sh - the manual pages keep up with the programs: every command
# of relancectl's table (its --help list) has a section (.SS) in
# man/relancectl.1 and every section there is a command; every option of
# relancectl, of each `relancectl COMMAND --help` and of relance-worker's
# usage line is in its page; every configuration key a page lists as read
# exists in `relancectl config sample`; a page names another Relance page
# by the section it really has. No Postfix.
. "$RELANCE_SRC/tests/e2e/lib.sh"
set -e
MAN=$RELANCE_SRC/man
CTL=$RELANCE_BIN/relancectl
WORKER=$RELANCE_BIN/relance-worker

# options: the -x and --word tokens of a help text on stdin, one a line
# (a hyphen inside a word, "out-of-office", is not one).
options() {
    grep -oE -- '(^|[][[:space:](|])-{1,2}[A-Za-z][A-Za-z-]*' \
        | sed 's/^[^-]*//' | sort -u
}
# in_page PAGE OPTION: the page writes the option, roff-escaped (\-\-now).
in_page() {
    grep -qF -- "$(sed 's/-/\\-/g' <<<"$2")" "$1"
}

note "relancectl: the command table and the sections of relancectl.1"
"$CTL" --help > "$WORK/help.txt"
awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }' \
    "$WORK/help.txt" | sort -u > "$WORK/commands"
[ "$(wc -l < "$WORK/commands")" -ge 10 ] || fail "no command list in relancectl --help"
sed -n 's/^\.SS "\{0,1\}\([a-z]*\).*/\1/p' "$MAN/relancectl.1" | sort -u > "$WORK/sections"
diff -u "$WORK/commands" "$WORK/sections" > "$WORK/diff" \
    || { cat "$WORK/diff"; fail "relancectl.1 sections (+) differ from the command table (-)"; }

note "relancectl: every option of every --help"
missing=""
for opt in $(options < "$WORK/help.txt"); do
    in_page "$MAN/relancectl.1" "$opt" || missing="$missing relancectl:$opt"
done
for cmd in $(cat "$WORK/commands"); do
    "$CTL" "$cmd" --help > "$WORK/help-$cmd.txt" || fail "relancectl $cmd --help: exit $?"
    for opt in $(options < "$WORK/help-$cmd.txt"); do
        [ "$opt" = "-c" ] && continue  # the global option every usage line repeats
        in_page "$MAN/relancectl.1" "$opt" || missing="$missing $cmd:$opt"
    done
done
[ -z "$missing" ] || fail "options missing from relancectl.1:$missing"

note "relance-worker: every option of its usage line"
rc=0
"$WORKER" -h 2> "$WORK/worker-usage.txt" || rc=$?
assert_eq "$rc" 64 "relance-worker -h (usage, EX_USAGE)"
opts=$(options < "$WORK/worker-usage.txt")
[ "$(wc -w <<<"$opts")" -ge 4 ] || fail "no options in: $(cat "$WORK/worker-usage.txt")"
for opt in $opts; do
    in_page "$MAN/relance-worker.8" "$opt" || fail "relance-worker.8 lacks $opt"
done

note "configuration keys the pages list exist"
"$CTL" config sample | sed -n 's/^#\([A-Z][A-Za-z]*\)\( .*\)\{0,1\}$/\1/p' | sort -u > "$WORK/keys"
[ "$(wc -l < "$WORK/keys")" -ge 20 ] || fail "no keys in relancectl config sample"
for page in "$MAN/relance-worker.8" "$MAN/relance-milter.8"; do
    listed=$(sed -n '/Keys the .* reads:/,/^\.TP/p' "$page" \
        | sed -n 's/^\.BR\{0,1\} \([A-Za-z]*\).*/\1/p' | sort -u)
    [ "$(wc -w <<<"$listed")" -ge 10 ] || fail "$(basename "$page"): no key list found"
    for key in $listed; do
        grep -qx "$key" "$WORK/keys" || fail "$(basename "$page") lists $key, unknown to config sample"
    done
done

note "cross-references between the pages"
for page in "$MAN"/*.[18]; do
    refs=$(sed -n 's/^\.BR \(relancectl\|relance-worker\|relance-milter\) (\([0-9]\)).*/\1.\2/p' "$page")
    for ref in $refs; do
        [ -f "$MAN/$ref" ] || fail "$(basename "$page") names $ref, which does not exist"
    done
done
echo OK
