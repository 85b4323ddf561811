/*
 * gen-import.c - writes the benchmark's CSV files, deterministically:
 *   gen-import DIR [CLIENTS [INVOICES]]
 * DIR/clients.csv (100,000 clients by default) and DIR/invoices.csv
 * (1,000,000 invoices) in the French Excel style (';', decimal comma,
 * DD/MM/YYYY), plus DIR/invoices-plain.csv, the same rows in the form
 * the sqlite3 shell's .import takes (',' and ISO dates), for the
 * comparison in bench/import.sh. No randomness: a linear congruential
 * sequence with a fixed seed.
 */
#include <stdio.h>
#include <stdlib.h>

static unsigned long long seed = 20260320;

static unsigned
next(unsigned mod)
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((seed >> 33) % mod);
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gen-import DIR [CLIENTS [INVOICES]]\n");
        return 64;
    }
    long nc = argc > 2 ? atol(argv[2]) : 100000;
    long ni = argc > 3 ? atol(argv[3]) : 1000000;
    char path[4096];
    snprintf(path, sizeof path, "%s/clients.csv", argv[1]);
    FILE *c = fopen(path, "w");
    snprintf(path, sizeof path, "%s/invoices.csv", argv[1]);
    FILE *i = fopen(path, "w");
    snprintf(path, sizeof path, "%s/invoices-plain.csv", argv[1]);
    FILE *p = fopen(path, "w");
    if (!c || !i || !p) {
        perror(path);
        return 1;
    }
    fputs("client_id;name;email;language;segment\r\n", c);
    for (long k = 0; k < nc; k++)
        fprintf(c, "C%06ld;Société %ld;compta%ld@client%ld.example.fr;%s;%s\r\n",
                k, k, k, k, next(5) ? "fr" : "en",
                next(3) ? "PME" : "artisan");
    fputs("number;client_id;issue_date;due_date;amount\r\n", i);
    fputs("number,client_id,issue_date,due_date,amount\n", p);
    for (long k = 0; k < ni; k++) {
        long cl = (long)next((unsigned)nc);
        int day = 1 + (int)next(28), month = 1 + (int)next(12);
        unsigned euros = 10 + next(20000), cents = next(100);
        int dmonth = month % 12 + 1, dyear = 2025 + (month == 12);
        fprintf(i, "F-%07ld;C%06ld;%02d/%02d/2025;%02d/%02d/%d;", k, cl, day,
                month, day, dmonth, dyear);
        if (euros >= 1000) /* with a thousands separator, as Excel does */
            fprintf(i, "\"%u %03u,%02u\"\r\n", euros / 1000, euros % 1000,
                    cents);
        else
            fprintf(i, "%u,%02u\r\n", euros, cents);
        fprintf(p, "F-%07ld,C%06ld,2025-%02d-%02d,%d-%02d-%02d,%u.%02u\n", k,
                cl, month, day, dyear, dmonth, day, euros, cents);
    }
    return fclose(c) | fclose(i) | fclose(p) ? 1 : 0;
}
