#!/bin/sh
# Consistency of configuration and schema, checked by 'make check':
# every directive is documented in conf/qnft-directives.conf, every member
# of the server config has a merge rule and a default, and the schema
# version the module expects is the newest migration in sql/.
set -u
src=${QNFT_SRCDIR:-$(dirname "$0")/../..}
cfg="$src/mod_qnft/apache/qnft_config.c"
hdr="$src/mod_qnft/apache/qnft_config.h"
ref="$src/conf/qnft-directives.conf"
fail=0

for d in $(sed -n 's/^#define QNFT_DIR_[A-Z_]* *"\(QNFT[A-Za-z]*\)".*/\1/p' "$cfg"); do
    grep -q "^# *$d " "$ref" || { echo "FAIL: $d is not documented in conf/qnft-directives.conf"; fail=1; }
done
members=$(sed -n '/^typedef struct {/,/} qnft_srv_conf;/p' "$hdr" | sed 's|/\*.*||' \
    | sed -n 's/^[ \t][ \t]*[a-z_0-9 ]*[ *]\([a-z_0-9]*\);[ \t]*$/\1/p')
for m in $members; do
    grep -q "MERGE_[A-Z]*($m)" "$cfg" || { echo "FAIL: config member $m has no merge rule"; fail=1; }
    grep -q "DEFAULT_[A-Z]*($m)" "$cfg" || { echo "FAIL: config member $m has no default"; fail=1; }
done
want=$(ls "$src/sql" | sed -n 's/^\([0-9][0-9][0-9][0-9]\)_.*\.sql$/\1/p' | sort | tail -n 1 | sed 's/^0*//')
have=$(sed -n 's/^#define QNFT_SCHEMA_VERSION \([0-9]*\)/\1/p' "$src/mod_qnft/db/qnft_schema.h")
[ "$want" = "$have" ] || { echo "FAIL: QNFT_SCHEMA_VERSION is $have but sql/ goes to $want"; fail=1; }
for f in "$src"/sql/*.sql; do
    grep -q "$(basename "$f")" "$src/Makefile.am" || { echo "FAIL: $(basename "$f") missing from Makefile.am"; fail=1; }
done
[ $fail = 0 ] && echo "PASS: configuration and schema are consistent"
exit $fail
