# Turns bench/run.sh's raw measurements into the printed table and results.json.
# Input lines (tab-separated): run TREE TOOL REP SECS RSS_KIB STATUS LOAD | alloc TREE TOOL
# HOST FS_USED | files TREE FILES DIRS. Variables: machine, commit, reps, limit, json.
BEGIN {
	FS = "\t"
	ntools = split("read lsbimg mke2fs genext2fs lsbimg4 mke2fs4 check e2fsck extract rdump diff treeread " \
		       "first cached unchanged unit-changed", tools, " ")
}

function seen_tree(t) { if (!(t in tidx)) { tidx[t] = ++ntrees; trees[ntrees] = t } }

function median(list,   a, n, i, j, x) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) { x = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
	if (n == 0) return ""
	return n % 2 ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
}

function add(list, v) { return list == "" ? v : list " " v }
function jlist(list,   a, n, i, s) { n = split(list, a, " "); s = ""; for (i = 1; i <= n; i++) s = s (i > 1 ? ", " : "") a[i]; return "[" s "]" }
function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
function num(v) { return v == "" ? "null" : v }

$1 == "files" { seen_tree($2); nfiles[$2] = $3; ndirs[$2] = $4 }
$1 == "alloc" { seen_tree($2); host[$2, $3] = $4; used[$2, $3] = $5 }
$1 == "run" {
	t = $2; tool = $3; seen_tree(t)
	if ($3 == "read" && $4 == 0) next   # the warm-up read
	status[t, tool] = add(status[t, tool], $7)
	if (!((t, tool) in lmin) || $8 + 0 < lmin[t, tool]) lmin[t, tool] = $8 + 0
	if (!((t, tool) in lmax) || $8 + 0 > lmax[t, tool]) lmax[t, tool] = $8 + 0
	if ($7 == "ok") {
		ok[t, tool] = add(ok[t, tool], $5)
		secs[t, tool, $4] = $5
		if ($6 + 0 > rss[t, tool]) rss[t, tool] = $6 + 0
	} else if ($7 == "timeout") timedout[t, tool] = 1
}

# The load range of the runs of TOOL on T ("a-b"), and of two tools together.
function loads(t, tool) { return (t, tool) in lmin ? (lmin[t, tool] == lmax[t, tool] ? lmin[t, tool] : lmin[t, tool] "-" lmax[t, tool]) : "" }
function loads2(t, a, b,   lo, hi) {
	if (!((t, a) in lmin)) return loads(t, b)
	if (!((t, b) in lmin)) return loads(t, a)
	lo = lmin[t, a] < lmin[t, b] ? lmin[t, a] : lmin[t, b]; hi = lmax[t, a] > lmax[t, b] ? lmax[t, a] : lmax[t, b]
	return lo == hi ? lo : lo "-" hi
}

function target(name, value, op, limit, load, note,   met) {
	met = value == "" ? "" : (op == "<=" ? value + 0 <= limit + 0 : value + 0 >= limit + 0)
	ntarget++
	tname[ntarget] = name; tval[ntarget] = value; top_[ntarget] = op; tlim[ntarget] = limit
	tmet[ntarget] = met; tnote[ntarget] = note; tload[ntarget] = load
}

# A target on the ratio of the medians of tools A and B on T, when both ran.
function ratio_target(t, a, b, name, limit) {
	if (med[t, a] != "" && med[t, b] > 0)
		target(name, sprintf("%.2f", med[t, a] / med[t, b]), "<=", limit, loads2(t, a, b), "")
}

END {
	printf "lsbimg bench (%s) — %s; %d repetitions; slow-tool limit %d s\n", commit, machine, reps, limit
	for (i = 1; i <= ntrees; i++) {
		t = trees[i]
		if (t == "default") printf "\ndefault layout (layouts/arm64.cfg): %d packages\n", nfiles[t]
		else printf "\n%s: %d files and links, %d directories\n", t, nfiles[t], ndirs[t]
		printf "  %-12s %10s %5s %12s %12s %12s %8s %11s  %s\n", "tool", "median s", "runs", "peak RSS", "host alloc", "fs used", "alloc+%", "load", "status"
		for (k = 1; k <= ntools; k++) {
			tool = tools[k]
			if (!((t, tool) in status)) continue
			m = median(ok[t, tool]); med[t, tool] = m
			ms = m == "" ? (timedout[t, tool] ? ">" limit : "-") : sprintf("%.3f", m)
			over = (t, tool) in host && used[t, tool] ? sprintf("%+.2f", (host[t, tool] / used[t, tool] - 1) * 100) : "-"
			printf "  %-12s %10s %5d %12s %12s %12s %8s %11s  %s\n", tool, ms, split(ok[t, tool], tmp, " "), rss[t, tool] ? sprintf("%.1f MiB", rss[t, tool] / 1024) : "-",
				(t, tool) in host ? sprintf("%.1f MiB", host[t, tool] / 1048576) : "-",
				(t, tool) in used ? sprintf("%.1f MiB", used[t, tool] / 1048576) : "-", over, loads(t, tool), status[t, tool]
			overpct[t, tool] = over
		}
		ratios[t] = ""
		for (r = 1; r <= reps; r++)
			if ((t, "lsbimg", r) in secs && (t, "mke2fs", r) in secs && secs[t, "mke2fs", r] > 0)
				ratios[t] = add(ratios[t], sprintf("%.3f", secs[t, "lsbimg", r] / secs[t, "mke2fs", r]))
		rm = median(ratios[t]); rmed[t] = rm
		if (rm != "") printf "  lsbimg/mke2fs per pair: %s (median %.3f)\n", ratios[t], rm
		ratios4[t] = ""
		for (r = 1; r <= reps; r++)
			if ((t, "lsbimg4", r) in secs && (t, "mke2fs4", r) in secs && secs[t, "mke2fs4", r] > 0)
				ratios4[t] = add(ratios4[t], sprintf("%.3f", secs[t, "lsbimg4", r] / secs[t, "mke2fs4", r]))
		rmed4[t] = median(ratios4[t])
		if (rmed4[t] != "") printf "  ext4: lsbimg/mke2fs -t ext4 per pair: %s (median %.3f)\n", ratios4[t], rmed4[t]
		else if (med[t, "lsbimg4"] != "" && timedout[t, "mke2fs4"])
			printf "  ext4: mke2fs -t ext4 -d did not finish within %d s: lsbimg is more than %.1fx faster\n", limit, limit / med[t, "lsbimg4"]
		if (med[t, "lsbimg"] != "" && med[t, "mke2fs"] != "")
			printf "  lsbimg is %.1fx faster than mke2fs -d (medians)\n", med[t, "mke2fs"] / med[t, "lsbimg"]
		else if (med[t, "lsbimg"] != "" && timedout[t, "mke2fs"])
			printf "  mke2fs -d did not finish within %d s: lsbimg is more than %.1fx faster\n", limit, limit / med[t, "lsbimg"]
		if (med[t, "lsbimg"] != "" && med[t, "genext2fs"] != "")
			printf "  lsbimg is %.1fx faster than genext2fs (medians)\n", med[t, "genext2fs"] / med[t, "lsbimg"]
		else if (med[t, "lsbimg"] != "" && timedout[t, "genext2fs"])
			printf "  genext2fs did not finish within %d s: lsbimg is more than %.1fx faster\n", limit, limit / med[t, "lsbimg"]
		if (med[t, "lsbimg"] != "" && med[t, "read"] > 0)
			printf "  lsbimg / reading the files: %.2f\n", med[t, "lsbimg"] / med[t, "read"]
	}

	L = "lsbimg"
	if (("bigdir", L) in med && med["bigdir", L] != "") {
		if (med["bigdir", "mke2fs"] != "")
			target("bigdir: mke2fs -d / lsbimg", sprintf("%.1f", med["bigdir", "mke2fs"] / med["bigdir", L]), ">=", 40, loads2("bigdir", L, "mke2fs"), "")
		else if (timedout["bigdir", "mke2fs"])
			target("bigdir: mke2fs -d / lsbimg", sprintf("%.1f", limit / med["bigdir", L]), ">=", 40, loads2("bigdir", L, "mke2fs"), "lower bound: mke2fs -d hit the time limit")
		if (timedout["bigdir", "mke2fs"] && !tmet[ntarget]) tmet[ntarget] = ""   # a bound short of it decides nothing
	}
	ratio_target("bigdir", L, "read", "bigdir: lsbimg / read", 2)
	ratio_target("rootfs", L, "read", "rootfs: lsbimg / read", 1.5)
	if (rmed["rootfs"] != "")
		target("rootfs: lsbimg / mke2fs -d (median of pairs)", rmed["rootfs"], "<=", 0.8, loads2("rootfs", L, "mke2fs"), "")
	if (med["wide", L] != "" && med["wide100k", L] != "")
		target("wide: time per file at 1M / at 100k", sprintf("%.2f", (med["wide", L] / nfiles["wide"]) / (med["wide100k", L] / nfiles["wide100k"])), "<=", 1.5, loads("wide", L) " / " loads("wide100k", L), "")
	if (rss["rootfs", L]) target("rootfs: peak RSS MiB", sprintf("%.1f", rss["rootfs", L] / 1024), "<=", 64, loads("rootfs", L), "")
	if (rss["large", L]) target("large: peak RSS MiB", sprintf("%.1f", rss["large", L] / 1024), "<=", 64, loads("large", L), "")
	if (rss["wide100k", L]) target("wide100k: peak RSS bytes per file", sprintf("%.0f", rss["wide100k", L] * 1024 / nfiles["wide100k"]), "<=", "", loads("wide100k", L), "whole process, reported")
	if (rss["wide", L]) target("wide: peak RSS bytes per file (1M)", sprintf("%.0f", rss["wide", L] * 1024 / nfiles["wide"]), "<=", 150, loads("wide", L), "whole process")
	for (i = 1; i <= ntrees; i++)
		if (overpct[trees[i], L] != "" && overpct[trees[i], L] != "-")
			target(trees[i] ": host allocation above fs used, %", overpct[trees[i], L], "<=", 1, loads(trees[i], L), "")

	# ext4's ratio to mke2fs -t ext4 -d no worse than ext2's to mke2fs -t ext2 -d.
	for (i = 1; i <= ntrees; i++)
		if (rmed4[trees[i]] != "" && rmed[trees[i]] != "")
			target(trees[i] ": ext4 ratio / ext2 ratio (lsbimg/mke2fs, medians)", sprintf("%.2f", rmed4[trees[i]] / rmed[trees[i]]), "<=", 1, loads2(trees[i], "lsbimg4", "mke2fs4"), "")

	# The default layout, and the inspection commands against e2fsprogs.
	if (med["default", "first"] != "") target("default: first compose, empty cache, s", med["default", "first"], "<=", "", loads("default", "first"), "")
	if (med["default", "cached"] != "") target("default: first compose, warm cache, s", med["default", "cached"], "<=", 0.5, loads("default", "cached"), "")
	if (med["default", "unchanged"] != "") target("default: recompose, nothing changed, s", med["default", "unchanged"], "<=", 0.15, loads("default", "unchanged"), "")
	if (med["default", "unit-changed"] != "") target("default: recompose, one unit changed, s", med["default", "unit-changed"], "<=", 0.5, loads("default", "unit-changed"), "")
	for (i = 1; i <= ntrees; i++) {
		t = trees[i]
		ratio_target(t, "check", "e2fsck", t ": check / e2fsck -fn", 10)
		ratio_target(t, "extract", "rdump", t ": extract / debugfs rdump", 1)
		ratio_target(t, "diff", "treeread", t ": diff / (tree of both + reading both)", 2)
	}
	printf "\ntargets (lsbimg; load: 1-minute load average at the start of the runs):\n"
	for (i = 1; i <= ntarget; i++) {
		if (tlim[i] == "") tmet[i] = "-"
		printf "  %-4s %-52s %10s (%s) load %s%s\n", tmet[i] == "-" ? "" : tmet[i] == "" ? "?" : tmet[i] ? "MET" : "MISS", tname[i], tval[i], tlim[i] == "" ? "no target" : "target " top_[i] " " tlim[i], tload[i], tnote[i] == "" ? "" : "  [" tnote[i] "]"
	}

	printf "{\n  \"commit\": %s,\n  \"machine\": %s,\n  \"repetitions\": %d,\n  \"slow_limit_s\": %d,\n  \"trees\": {", jstr(commit), jstr(machine), reps, limit > json
	for (i = 1; i <= ntrees; i++) {
		t = trees[i]
		printf "%s\n    %s: {\n      \"files\": %d, \"dirs\": %d,\n      \"ratio_lsbimg_mke2fs\": %s, \"ratio_median\": %s,\n      \"ratio_ext4\": %s, \"ratio_ext4_median\": %s,\n      \"tools\": {", (i > 1 ? "," : ""), jstr(t), nfiles[t], ndirs[t], jlist(ratios[t]), num(rmed[t]), jlist(ratios4[t]), num(rmed4[t]) > json
		sep = ""
		for (k = 1; k <= ntools; k++) {
			tool = tools[k]
			if (!((t, tool) in status)) continue
			st = status[t, tool]; gsub(/ /, "\", \"", st)
			printf "%s\n        %s: { \"runs_s\": %s, \"status\": [\"%s\"], \"median_s\": %s, \"peak_rss_kib\": %d, \"host_alloc_bytes\": %s, \"fs_used_bytes\": %s, \"load_min\": %s, \"load_max\": %s }", sep, jstr(tool), jlist(ok[t, tool]), st, num(med[t, tool]), rss[t, tool], num(host[t, tool]), num(used[t, tool]), num(lmin[t, tool]), num(lmax[t, tool]) > json
			sep = ","
		}
		printf "\n      }\n    }" > json
	}
	printf "\n  },\n  \"targets\": [" > json
	for (i = 1; i <= ntarget; i++)
		printf "%s\n    { \"name\": %s, \"value\": %s, \"op\": \"%s\", \"limit\": %s, \"met\": %s, \"load\": %s, \"note\": %s }", (i > 1 ? "," : ""), jstr(tname[i]), num(tval[i]), top_[i], num(tlim[i]), tmet[i] == "-" || tmet[i] == "" ? "null" : tmet[i] ? "true" : "false", jstr(tload[i]), jstr(tnote[i]) > json
	printf "\n  ]\n}\n" > json
}
