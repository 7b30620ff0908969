# The bench script end to end on its tiny tree, one repetition: every tool runs and its
# image passes e2fsck -fn (the script's own status), the inspection commands are timed
# against e2fsck, debugfs rdump and tree of both images plus reading both, every run
# carries the load it started under, and results.json parses with the targets the table
# prints.
. "$TOP/tests/lib.sh"

mkdir -p out
cc -O2 -std=c11 -D_GNU_SOURCE -o out/gen "$TOP/bench/gen.c" || fail "cannot build the generator"
BENCH_OUT=$PWD/out BENCH_REPS=1 LSBIMG_BUILD=$BUILD "$TOP/bench/run.sh" tiny >table 2>log ||
  fail "bench/run.sh tiny failed: $(tail -5 log)"
cat table
python3 - out/results.json <<'PY' || fail "results.json is not what the table says"
import json, sys
r = json.load(open(sys.argv[1]))
tools = r["trees"]["tiny"]["tools"]
want = ["read", "lsbimg", "mke2fs", "genext2fs", "check", "e2fsck", "extract", "rdump", "diff", "treeread"]
for t in want:
    assert t in tools, t
    assert tools[t]["status"] == ["ok"], (t, tools[t]["status"])
    assert tools[t]["load_min"] is not None and tools[t]["median_s"] > 0, t
names = [t["name"] for t in r["targets"]]
for n in ["tiny: check / e2fsck -fn", "tiny: extract / debugfs rdump",
          "tiny: diff / (tree of both + reading both)", "tiny: host allocation above fs used, %"]:
    assert n in names, n
for t in r["targets"]:
    assert t["load"], t
PY
assert_contains "table" "$(cat table)" "tiny: check / e2fsck -fn"
assert_contains "table" "$(cat table)" " load "
# No image nor extracted tree left behind (the layouts stay, for rerunning by hand).
left=$(find out/img -mindepth 1 ! -name '*.cfg')
[ -z "$left" ] || fail "left in out/img: $left"
