#!/usr/bin/env python3
# Write a synthetic benchmark corpus (default 200 MB, files of 20-60 KB) built from the project's
# own example plans, with numbers, multipliers, numerals, cities and years varied so rows differ.
"""usage: mkcorpus.py [--mb N] [--seed S] [--out DIR]

Sources: examples/*.txt, tests/packs/*/*.txt and tests/plans/*.txt of the repository this script lives in.
Every file takes one source plan: its head (breadcrumbs, title, date line) once, then the
body again and again until the file reaches its size, each copy with fresh numbers.
The same --seed gives the same corpus byte for byte. The output directory is printed.
"""
import argparse
import glob
import os
import random
import re
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Invented place names; a source's city is swapped for one with the same suffix (市 / 县 / 州).
CITIES = {
    "市": ["临江市", "青川市", "南屿市", "石桥市", "清河市", "白沙市", "长岭市", "东湖市",
          "西岚市", "北塘市", "金川市", "玉泉市", "松原湾市", "宁水市", "柳城市", "枫林市"],
    "县": ["云溪县", "桃源县", "安平县", "梅岭县", "凤台县", "丰乐县", "永和县", "嘉禾县",
          "双河县", "平川县", "兰溪口县", "鹤山县", "龙门县", "石泉县", "新溪县", "望江县"],
    "州": ["云岭州", "青崖州", "白水州", "雾川州", "赤岭州", "碧江州"],
}
ALL_CITIES = [c for v in CITIES.values() for c in v]

# An Arabic number (1,500 / 3.2 / 2025), with an optional multiplier right after it.
NUM_RE = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(万|亿)?")
CN_DIGITS = "零一二三四五六七八九"
# Characters after a number that make it a year, a date part or an ordinal: never a numeral.
NOT_CN_AFTER = ("年", "月", "日", "-", ".", "%", "：", ":", "号", "届", "期", "批", "季度")
NOT_CN_BEFORE = ("第", "-", "：", ":")
RANGE_SEP = ("至", "到", "-", "~", "～", "—", "－")


def chinese(n):
    """1..99 as Chinese numerals: 7 -> 七, 12 -> 十二, 40 -> 四十, 56 -> 五十六."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    s = ("" if tens == 1 else CN_DIGITS[tens]) + "十"
    return s + (CN_DIGITS[ones] if ones else "")


def similar(intpart, rng):
    """A random integer string with as many digits as intpart (keeps a leading zero: 02)."""
    width = len(intpart)
    if width == 1:
        return str(rng.randint(1, 9))
    if intpart[0] == "0":
        return "0" + str(rng.randint(1, 9)) if width == 2 else intpart
    return str(rng.randint(10 ** (width - 1), 10 ** width - 1))


class Varier:
    """Rewrites one copy of a text: new numbers, sometimes 万<->亿, numerals, city and year."""

    def __init__(self, rng, city_map, year_shift):
        self.rng = rng
        self.city_map = city_map
        # one pass over all names, so a new name is never replaced again
        alts = "|".join(map(re.escape, sorted(city_map, key=len, reverse=True)))
        self.city_re = re.compile(alts) if alts else None
        self.year_shift = year_shift
        self.last, self.last_end = 0, -1  # the previous number: for ranges
        self.date_end = -1                # where the last year or date part ended
        self.date_part = 0                # 1 = month, 2 = day

    def number(self, m):
        rng = self.rng
        text = m.string
        intpart, frac, mult = m.group(1), m.group(2) or "", m.group(3) or ""
        after = text[m.end():m.end() + 2]
        before = text[m.start() - 1:m.start()] if m.start() else "\n"
        digits = intpart.replace(",", "")
        # List markers at the start of a line (1. 2、) stay as they are.
        if before == "\n" and not frac and not mult and after[:1] in (".", "、", "．"):
            return m.group(0)
        # Years (2025年, 2025-02-18): shifted by the document's year shift. The month and day
        # after a year (or after another zero-padded part) get new digits, never a range.
        if not frac and not mult and len(digits) == 4 and 1990 <= int(digits) <= 2039 \
                and after[:1] in ("年", "-", "—", "－", "～", "至"):
            self.last_end = -1
            self.date_end, self.date_part = m.end(), 0
            return str(int(digits) + self.year_shift)
        if before == "-" and self.date_end == m.start() - 1:
            self.date_end, self.date_part = m.end(), self.date_part + 1
            day = rng.randint(1, 12 if self.date_part == 1 else 28)
            return f"{day:0{len(digits)}d}"
        # Times of day (09:30) stay as they are; months and days stay valid (1月8日).
        if not frac and not mult and len(digits) <= 2:
            if after[:1] == ":" or before == ":":
                return m.group(0)
            if after[:1] in ("月", "日"):
                return str(rng.randint(1, 12 if after[:1] == "月" else 28))
        new = similar(digits, rng)
        # The upper end of a range (1至2处, 3-5所) stays above the lower end.
        if before in RANGE_SEP and self.last_end == m.start() - 1 and not frac:
            lo = self.last
            new = str(lo + rng.randint(1, max(1, lo)))
        if after[:1] == "%" and int(new) > 100:  # rates stay rates
            new = str(rng.randint(1, 99))
        self.last, self.last_end = int(new), m.end()
        if "," in intpart:  # keep the thousands separators
            new = f"{int(new):,}"
        if frac:
            frac = "." + "".join(str(rng.randint(0, 9)) for _ in frac[1:])
            if frac.endswith("0"):
                frac = frac[:-1] + str(rng.randint(1, 9))
        if mult and rng.random() < 0.2:
            mult = "亿" if mult == "万" else "万"
        # Small counts (3所, 12所, 1至2处) sometimes become Chinese numerals (三所, 十二所).
        n = self.last
        if not frac and not mult and 0 < n < 100 and intpart[0] != "0" \
                and not after.startswith(NOT_CN_AFTER) and before not in NOT_CN_BEFORE \
                and rng.random() < 0.15:
            return chinese(n)
        return new + frac + mult

    def __call__(self, text):
        if self.city_re:
            text = self.city_re.sub(lambda m: self.city_map[m.group(0)], text)
        return NUM_RE.sub(self.number, text)


def split_plan(text):
    """(head, body): the head ends before the first section heading (一、 or 第一章)."""
    m = re.search(r"^\s*(?:一、|第一[章部节]|（一）)", text, re.M)
    if not m or m.start() == 0:
        nl = text.find("\n")
        return (text[:nl + 1], text[nl + 1:]) if nl >= 0 else ("", text)
    return text[:m.start()], text[m.start():]


def source_city(text):
    """Cities of the source named in our list, plus the first one that starts a line of the
    page top (南湖市卫生健康委员会, 临江市教育局2025年工作要点, 云岭州人民政府办公室关于...)."""
    found = {c for c in ALL_CITIES if c in text}
    for line in text.splitlines()[:10]:
        m = re.match(r"\s*([\u4e00-\u9fff]{2,3}?[市县州])(?=[\u4e00-\u9fff\d])", line)
        if m:
            found.add(m.group(1))
            break
    return found


def load_sources():
    paths = sorted(glob.glob(os.path.join(ROOT, "examples", "*.txt")))
    paths += sorted(glob.glob(os.path.join(ROOT, "tests", "packs", "*", "*.txt")))
    paths += sorted(glob.glob(os.path.join(ROOT, "tests", "plans", "*.txt")))
    sources = []
    for p in paths:
        with open(p, "rb") as f:
            raw = f.read()
        for enc in ("utf-8-sig", "utf-16", "gb18030"):  # test inputs may not be UTF-8
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            continue
        text = text.replace("\r\n", "\n")
        if not text.strip():
            continue
        if not text.endswith("\n"):
            text += "\n"
        head, body = split_plan(text)
        sources.append((os.path.basename(p), head, body, source_city(text)))
    return sources


def make_file(job):
    """Write one corpus file; job = (path, source, size in bytes, seed string)."""
    path, (head, body, cities), size, seed = job
    rng = random.Random(seed)
    # One city and one year shift per file, so each file reads as one plan.
    city_map = {}
    for c in sorted(cities, key=len, reverse=True):
        city_map[c] = rng.choice(CITIES.get(c[-1], ALL_CITIES))
    vary = Varier(rng, city_map, rng.randint(-8, 3))
    parts = [vary(head)]
    n = len(parts[0].encode("utf-8"))
    while n < size:
        part = vary(body)
        if not part.endswith("\n\n"):
            part += "\n"
        parts.append(part)
        n += len(part.encode("utf-8"))
    data = "".join(parts).encode("utf-8")
    if len(data) > size:  # cut at the last line end within the size
        cut = data.rfind(b"\n", 0, size)
        data = data[:cut + 1] if cut > 0 else data
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def main():
    ap = argparse.ArgumentParser(description="Write a synthetic corpus of plan documents.")
    ap.add_argument("--mb", type=float, default=200, help="corpus size in MB (default 200)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--out", help="output directory (default: a new temporary directory)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="worker processes (default: all CPUs; the corpus does not depend on it)")
    args = ap.parse_args()

    sources = load_sources()
    if not sources:
        sys.exit("mkcorpus: no example plans found under examples/, tests/packs/ or tests/plans/")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        out = args.out
    else:
        out = tempfile.mkdtemp(prefix="pm-corpus-")

    # Plan every file first (source, size, seed), so the result does not depend on --jobs.
    rng = random.Random(args.seed)
    total = int(args.mb * 1024 * 1024)
    jobs, planned = [], 0
    while planned < total:
        i = len(jobs)
        name, head, body, cities = sources[i % len(sources)]
        size = min(rng.randint(20 * 1024, 60 * 1024), total - planned)
        path = os.path.join(out, f"{i:06d}-{os.path.splitext(name)[0]}.txt")
        jobs.append((path, (head, body, cities), size, f"{args.seed}:{i}"))
        planned += size
    if args.jobs > 1 and len(jobs) > 1:
        import multiprocessing
        with multiprocessing.Pool(args.jobs) as pool:
            written = sum(pool.imap_unordered(make_file, jobs, chunksize=16))
    else:
        written = sum(map(make_file, jobs))
    print(out)
    print(f"mkcorpus: {len(jobs)} files, {written / 1048576:.1f} MB in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
