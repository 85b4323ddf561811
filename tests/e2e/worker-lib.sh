# worker-lib.sh - what the relance-worker end-to-end tests share, on top
# of lib.sh (source lib.sh first, then this file).

# default_rules: this test's own copy of the shipped rules with only the
# default scenario (J-5 courtesy, J+3 first, J+10 firm, J+20 formal,
# J+30 collections): the other shipped scenarios choose by payment
# history, which test clients do not have. RulesDir points to it.
default_rules() {
    rm -rf "$WORK/rules"
    cp -r "$RELANCE_SRC/rules" "$WORK/rules"
    find "$WORK/rules/scenarios" -name '*.scn' ! -name default.scn -delete
    sed -i "s|^RulesDir .*|RulesDir $WORK/rules|" "$RELANCE_CONF"
}

# run_day "YYYY-MM-DD HH:MM": one worker pass (--once --now) at that
# time; what Postfix delivered is moved to $DAYS/YYYY-MM-DD_HHMM, which
# $LAST then names, for the checks.
run_day() {
    local d=${1// /_}; d=${d/:/}
    "$RELANCE_BIN/relance-worker" -c "$RELANCE_CONF" --once --now "$1" \
        >>"$WORK/worker.log" 2>&1 || fail "worker failed on $1"
    mail_settle 60
    mkdir -p "$DAYS/$d"
    find "$PF_MAILDIR/new" -type f -exec mv {} "$DAYS/$d/" \;
    LAST=$DAYS/$d
}

# import_csv CLIENTS_TEXT INVOICES_TEXT: initialise the database and import
# the two CSV texts (';' separated, header first) with relancectl.
import_csv() {
    $RELANCECTL init >/dev/null
    printf '%s\n' "$1" > "$WORK/clients.csv"
    printf '%s\n' "$2" > "$WORK/invoices.csv"
    $RELANCECTL import clients "$WORK/clients.csv" >/dev/null
    $RELANCECTL import invoices "$WORK/invoices.csv" >/dev/null
}
