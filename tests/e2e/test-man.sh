#!/bin/bash
# test-man.sh - the manual pages keep up with the programs: every command
# of relancectl's table (its --help list) has a section (.SS) in
# man/relancectl.1 and every section there is a command; every option of
# relancectl, of each `relancectl COMMAND --help` and of the usage of
# relance-worker and relance-milter is in its page; every column of every import kind, as the
# importer's own tables in lib/ declare it (required or not), is in
# `relancectl import --help` and in relancectl.1; relance-worker and
# relance-milter print their usage on stdout and exit 0 when asked (-h),
# on stderr with 64 after a bad option; every configuration key a page
# lists as read exists in `relancectl config sample`; a page names another
# Relance page by the section it really has. No Postfix.
. "$RELANCE_SRC/tests/e2e/lib.sh"
set -e
MAN=$RELANCE_SRC/man
CTL=$RELANCE_BIN/relancectl

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

note "relancectl import: every column of the importer in --help and relancectl.1"
# columns KIND: "NAME true|false" (required or not) for each entry of the
# importer's table import_KIND_cols, read from its source.
columns() {
    sed -n "/^const struct csvin_col import_$1_cols\[[A-Z_]*\] = {/,/^};/p" \
        "$RELANCE_SRC"/lib/import*.c \
        | grep -oE '\{"[a-z_]+", *(true|false)\}' | tr -d '{}",'
}
# listed FILE COL REQ: FILE names COL as a word, followed by * exactly
# when REQ is true.
listed() {
    if [ "$3" = true ]; then
        grep -qE "(^|[[:space:],(])$2\*" "$1"
    else
        grep -qE "(^|[[:space:],(])$2([^*A-Za-z0-9_]|\$)" "$1" \
            && ! grep -qE "(^|[[:space:],(])$2\*" "$1"
    fi
}
"$CTL" import --help > "$WORK/help-import.txt"
missing=""
for kind in clients invoices payments; do
    columns "${kind%s}" > "$WORK/cols-$kind" || true
    [ "$(wc -l < "$WORK/cols-$kind")" -ge 3 ] \
        || fail "no column table import_${kind%s}_cols found in lib/import*.c"
    # The kind's paragraph: its line of the help and the indented lines
    # after it; in the page, from ".B kind" to the next .TP or .PP.
    awk -v k="$kind" '$0 ~ "^  "k" " { on = 1; print; next }
        on && /^            / { print; next } { on = 0 }' \
        "$WORK/help-import.txt" > "$WORK/help-$kind"
    awk -v k="$kind" '$0 == ".B "k { on = 1; next }
        on && /^\.(TP|PP)/ { exit } on' "$MAN/relancectl.1" > "$WORK/man-$kind"
    while read -r col req; do
        shown=$col
        [ "$req" = false ] || shown="$col*"
        listed "$WORK/help-$kind" "$col" "$req" || missing="$missing help:$kind:$shown"
        listed "$WORK/man-$kind" "$col" "$req" || missing="$missing relancectl.1:$kind:$shown"
    done < "$WORK/cols-$kind"
done
[ -z "$missing" ] || fail "import columns missing or mis-marked (* = required):$missing"

note "relance-worker, relance-milter: -h on stdout, exit 0; a bad option, exit 64"
for prog in relance-worker relance-milter; do
    for asked in -h $([ "$prog" = relance-worker ] && echo --help); do
        rc=0
        "$RELANCE_BIN/$prog" "$asked" > "$WORK/$prog-usage.txt" 2> "$WORK/err" || rc=$?
        assert_eq "$rc" 0 "$prog $asked"
        first=$(head -n 1 "$WORK/$prog-usage.txt")
        [[ $first == "usage: $prog "* ]] \
            || fail "$prog $asked printed no usage on stdout: $(cat "$WORK/$prog-usage.txt")"
        [ ! -s "$WORK/err" ] || fail "$prog $asked wrote on stderr: $(cat "$WORK/err")"
    done
    rc=0
    "$RELANCE_BIN/$prog" --no-such-option > "$WORK/out" 2> "$WORK/err" || rc=$?
    assert_eq "$rc" 64 "$prog --no-such-option (EX_USAGE)"
    grep -q "^usage: $prog " "$WORK/err" || fail "$prog: a bad option printed no usage on stderr"
    [ ! -s "$WORK/out" ] || fail "$prog: a bad option wrote on stdout: $(cat "$WORK/out")"
done

note "relance-worker, relance-milter: every option of the usage in the page"
for prog in relance-worker relance-milter; do
    opts=$(options < "$WORK/$prog-usage.txt")
    [ "$(wc -w <<<"$opts")" -ge 4 ] || fail "no options in: $(cat "$WORK/$prog-usage.txt")"
    for opt in $opts; do
        in_page "$MAN/$prog.8" "$opt" || fail "$prog.8 lacks $opt"
    done
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
