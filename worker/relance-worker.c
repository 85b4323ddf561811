/* Temporary: the worker (issue 3) replaces this. */
#include <stdio.h>
int main(void) { fprintf(stderr, "relance-worker: not implemented yet\n"); return 1; }
