/* test_text.c: decoding (UTF-8/16/32, GB18030, Big5), normalisation, the offset map,
 * bad-byte recovery and binary detection of text/text.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "text/t2s_table.h"
#include "text/text.h"

/* A plan paragraph (simplified), its traditional version, and what both normalise to. */
static const char PLAN[] =
    "某市教育局2024年工作要点\n"
    "\u3000\u3000一、扩大优质教育资源供给。全年新建、改扩建中小学和幼儿园12所，新增3800个学位。\n"
    "\u3000\u3000二、加强教师队伍建设。培训教师2000人次，其中乡村教师不少于800人次。\n"
    "\u3000\u3000三、保障经费投入。安排专项资金1500万元，生均公用经费提高到每年1200元。\n"
    "\u3000\u3000四、全市在校学生达到4.5万名，义务教育巩固率保持在９９％以上。\n"
    "\u3000\u3000五、建立目标任务台账，按季度通报进展。\n";

static const char PLAN_TRAD[] =
    "某市教育局2024年工作要點\n"
    "\u3000\u3000一、擴大優質教育資源供給。全年新建、改擴建中小學和幼兒園12所，新增3800個學位。\n"
    "\u3000\u3000二、加強教師隊伍建設。培訓教師2000人次，其中鄉村教師不少於800人次。\n"
    "\u3000\u3000三、保障經費投入。安排專項資金1500萬元，生均公用經費提高到每年1200元。\n"
    "\u3000\u3000四、全市在校學生達到4.5萬名，義務教育鞏固率保持在９９％以上。\n"
    "\u3000\u3000五、建立目標任務臺賬，按季度通報進展。\n";

static const char PLAN_NORM[] =
    "某市教育局2024年工作要点\n"
    "  一、扩大优质教育资源供给。全年新建、改扩建中小学和幼儿园12所，新增3800个学位。\n"
    "  二、加强教师队伍建设。培训教师2000人次，其中乡村教师不少于800人次。\n"
    "  三、保障经费投入。安排专项资金1500万元，生均公用经费提高到每年1200元。\n"
    "  四、全市在校学生达到4.5万名，义务教育巩固率保持在99%以上。\n"
    "  五、建立目标任务台账，按季度通报进展。\n";

/* ---- helpers -------------------------------------------------------------- */

typedef struct {
    int calls;
    long first_line;
    long last_line;
    char msg[128];
} warnings;

static void on_warn(void *ctx, long line, const char *msg)
{
    warnings *w = ctx;
    if (w->calls++ == 0)
        w->first_line = line;
    w->last_line = line;
    strncpy(w->msg, msg, sizeof w->msg - 1);
}

/* utf8 text converted to encoding `to` with iconv (test data generation). */
static char *conv(const char *to, const char *utf8, size_t n, size_t *outlen)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t cap = 4 * n + 16;
    char *out = xmalloc(cap), *op = out;
    char *ip = (char *)(uintptr_t)utf8;
    size_t il = n, ol = cap;
    assert_int_not_equal(iconv(cd, &ip, &il, &op, &ol), (size_t)-1);
    iconv_close(cd);
    *outlen = cap - ol;
    return out;
}

/* bom + bytes, in a new buffer. */
static char *prefix(const char *bom, size_t bomlen, const char *s, size_t n, size_t *outlen)
{
    char *out = xmalloc(bomlen + n);
    memcpy(out, bom, bomlen);
    memcpy(out + bomlen, s, n);
    *outlen = bomlen + n;
    return out;
}

/* Independent strict UTF-8 check (no overlongs, surrogates or values > U+10FFFF). */
static int valid_utf8(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        uint32_t cp, min;
        size_t len;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else
            return 0;
        if (n - i < len)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

static size_t put_utf8(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | cp >> 6);
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | cp >> 12);
        d[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | cp >> 18);
    d[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    d[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static size_t count_nl(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k;
}

/* The map is monotone, in range, and ends at the original's end. */
static void check_map(const text *t)
{
    size_t nlen, olen;
    text_norm(t, &nlen);
    text_orig(t, &olen);
    size_t prev = 0;
    for (size_t i = 0; i <= nlen; i++) {
        size_t o = text_orig_offset(t, i);
        assert_true(o >= prev);
        assert_true(o <= olen);
        prev = o;
    }
    assert_int_equal(text_orig_offset(t, nlen), olen);
}

static void load_ok(text *t, const char *bytes, size_t n, const char *enc, warnings *w)
{
    pm_error e;
    pm_error_clear(&e);
    int rc = text_load(t, bytes, n, enc, w ? on_warn : NULL, w, &e);
    if (rc != PM_OK)
        fail_msg("text_load failed: %s", e.msg);
}

static void assert_norm(const text *t, const char *expect)
{
    size_t len;
    const char *s = text_norm(t, &len);
    assert_int_equal(len, strlen(expect));
    assert_memory_equal(s, expect, len);
    assert_int_equal(s[len], '\0');
}

static void assert_orig(const text *t, const char *expect)
{
    size_t len;
    const char *s = text_orig(t, &len);
    assert_int_equal(len, strlen(expect));
    assert_memory_equal(s, expect, len);
}

/* ---- decoding ---------------------------------------------------------------- */

static void test_utf8_plain(void **state)
{
    (void)state;
    text *t = text_create();
    warnings w = {0};
    load_ok(t, PLAN, strlen(PLAN), NULL, &w);
    assert_string_equal(text_encoding(t), "UTF-8");
    assert_orig(t, PLAN);
    assert_norm(t, PLAN_NORM);
    assert_int_equal(w.calls, 0);
    check_map(t);
    text_free(t);
}

static void test_encodings_agree(void **state)
{
    (void)state;
    static const struct {
        const char *iconv_name, *bom;
        size_t bomlen;
        const char *expect;
    } cases[] = {
        {"UTF-8", "\xEF\xBB\xBF", 3, "UTF-8"},
        {"GB18030", "", 0, "GB18030"},
        {"GBK", "", 0, "GB18030"},
        {"UTF-16LE", "\xFF\xFE", 2, "UTF-16LE"},
        {"UTF-16BE", "\xFE\xFF", 2, "UTF-16BE"},
        {"UTF-32LE", "\xFF\xFE\0\0", 4, "UTF-32LE"},
    };
    text *t = text_create();
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        size_t n, m;
        char *enc = conv(cases[k].iconv_name, PLAN, strlen(PLAN), &n);
        char *bytes = prefix(cases[k].bom, cases[k].bomlen, enc, n, &m);
        warnings w = {0};
        load_ok(t, bytes, m, NULL, &w);
        assert_string_equal(text_encoding(t), cases[k].expect);
        assert_orig(t, PLAN);
        assert_norm(t, PLAN_NORM);
        assert_int_equal(w.calls, 0);
        size_t nlen;
        const char *norm = text_norm(t, &nlen);
        assert_int_equal(count_nl(norm, nlen), count_nl(PLAN, strlen(PLAN)));
        check_map(t);
        free(enc);
        free(bytes);
    }
    text_free(t);
}

static void test_big5_traditional(void **state)
{
    (void)state;
    text *t = text_create();
    size_t n;
    char *b5 = conv("BIG5", PLAN_TRAD, strlen(PLAN_TRAD), &n);
    load_ok(t, b5, n, NULL, NULL);
    assert_string_equal(text_encoding(t), "BIG5");
    assert_orig(t, PLAN_TRAD);
    assert_norm(t, PLAN_NORM);
    assert_non_null(strstr(text_orig(t, NULL), "新增3800個學位"));
    assert_non_null(strstr(text_norm(t, NULL), "新增3800个学位"));
    check_map(t);

    /* Forced encoding gives the same; so does the traditional text in GB18030. */
    load_ok(t, b5, n, "big5", NULL);
    assert_norm(t, PLAN_NORM);
    free(b5);
    char *gb = conv("GB18030", PLAN_TRAD, strlen(PLAN_TRAD), &n);
    load_ok(t, gb, n, NULL, NULL);
    assert_string_equal(text_encoding(t), "GB18030");
    assert_orig(t, PLAN_TRAD);
    assert_norm(t, PLAN_NORM);
    free(gb);
    text_free(t);
}

static void test_short_legacy_texts(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "新增3800个学位", "培训教师2000人次", "安排资金1500万元", "实施", "在校学生4.5万名",
    };
    static const char *const trad[] = {
        "新增3800個學位", "培訓教師2000人次", "安排資金1500萬元", "實施", "在校學生4.5萬名",
    };
    text *t = text_create();
    for (size_t k = 0; k < sizeof lines / sizeof *lines; k++) {
        size_t n;
        char *gb = conv("GB18030", lines[k], strlen(lines[k]), &n);
        load_ok(t, gb, n, NULL, NULL);
        assert_string_equal(text_encoding(t), "GB18030");
        assert_norm(t, lines[k]);
        free(gb);
        char *b5 = conv("BIG5", trad[k], strlen(trad[k]), &n);
        load_ok(t, b5, n, NULL, NULL);
        assert_string_equal(text_encoding(t), "BIG5");
        assert_orig(t, trad[k]);
        assert_norm(t, lines[k]);
        free(b5);
    }
    text_free(t);
}

static void test_traditional_utf8(void **state)
{
    (void)state;
    text *t = text_create();
    load_ok(t, PLAN_TRAD, strlen(PLAN_TRAD), NULL, NULL);
    assert_orig(t, PLAN_TRAD);
    assert_norm(t, PLAN_NORM);

    const char *chars = "個萬億學訓盤錦處間張條兩園臺〇台";
    load_ok(t, chars, strlen(chars), NULL, NULL);
    assert_norm(t, "个万亿学训盘锦处间张条两园台〇台");
    assert_orig(t, chars);
    check_map(t);
    text_free(t);
}

/* Runs of Chinese characters are copied whole until a character needs a change: a
 * traditional one, one below U+3400 (punctuation, the ideographic space), a full-width
 * form, or the end of the text - at the start, middle and end of a run. */
static void test_runs(void **state)
{
    (void)state;
    static const struct {
        const char *in, *norm;
    } cases[] = {
        {"學校建設", "学校建设"},           /* a run starting with a change */
        {"新建學校", "新建学校"},           /* ending with one */
        {"新建學校三所", "新建学校三所"},   /* one in the middle */
        {"\xe4\xb8\x80\xe3\x80\x80\xe4\xba\x8c", "\xe4\xb8\x80 \xe4\xba\x8c"}, /* 一, U+3000, 二 */
        {"㐀学\xe3\x8f\xbf学", "㐀学\xe3\x8f\xbf学"}, /* U+3400 in the run, U+33FF just below it */
        {"鿿学３所", "鿿学3所"},             /* U+9FFF, then a full-width digit */
        {"学位，新增", "学位，新增"},
    };
    text *t = text_create();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        load_ok(t, cases[i].in, strlen(cases[i].in), NULL, NULL);
        assert_norm(t, cases[i].norm);
        assert_orig(t, cases[i].in);
        check_map(t);
    }
    text_free(t);
}

/* Every table entry converts, through both the bitmap and the binary search path. */
static void test_t2s_table(void **state)
{
    (void)state;
    size_t nbmp = 0;
    for (size_t i = 0; i < T2S_COUNT; i++) {
        assert_int_not_equal(t2s_pairs[i].trad, t2s_pairs[i].simp);
        if (i)
            assert_true(t2s_pairs[i - 1].trad < t2s_pairs[i].trad);
        nbmp += t2s_pairs[i].trad < T2S_BMP_HI;
    }
    assert_int_equal(nbmp, T2S_BMP_COUNT);

    /* "trad 民 trad 民 ..." and the expected "simp 民 simp 民 ...", a newline now and then. */
    char *bufs[2];
    size_t lens[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        bufs[k] = xmalloc(T2S_COUNT * 8 + 1);
        for (size_t i = 0; i < T2S_COUNT; i++) {
            lens[k] += put_utf8(bufs[k] + lens[k], k ? t2s_pairs[i].simp : t2s_pairs[i].trad);
            lens[k] += put_utf8(bufs[k] + lens[k], i % 7 == 6 ? '\n' : 0x6C11);
        }
    }
    text *t = text_create();
    load_ok(t, bufs[0], lens[0], NULL, NULL);
    size_t to_len;
    const char *norm = text_norm(t, &to_len);
    assert_int_equal(to_len, lens[1]);
    assert_memory_equal(norm, bufs[1], lens[1]);
    check_map(t);
    text_free(t);
    free(bufs[0]);
    free(bufs[1]);
}

/* ---- normalisation and the offset map ----------------------------------------- */

static void test_fullwidth_offsets(void **state)
{
    (void)state;
    const char *src = "目标：新增３８００个学位，增长４．５％（同比）；Ａｂｃ！";
    text *t = text_create();
    load_ok(t, src, strlen(src), NULL, NULL);
    assert_norm(t, "目标：新增3800个学位，增长4.5%（同比）；Abc!");
    size_t olen;
    const char *orig = text_orig(t, &olen);
    const char *norm = text_norm(t, NULL);

    size_t n0 = (size_t)(strstr(norm, "3800") - norm);
    size_t o0 = (size_t)(strstr(orig, "３８００") - orig);
    for (size_t k = 0; k < 4; k++) /* each digit maps to its full-width original */
        assert_int_equal(text_orig_offset(t, n0 + k), o0 + 3 * k);
    size_t a = text_orig_offset(t, n0), b = text_orig_offset(t, n0 + 4);
    assert_int_equal(b - a, strlen("３８００"));
    assert_memory_equal(orig + a, "３８００", b - a);

    /* 个 after the digits, 4.5% and the unchanged （同比） map to themselves. */
    assert_int_equal(text_orig_offset(t, n0 + 4), (size_t)(strstr(orig, "个") - orig));
    size_t p = (size_t)(strstr(norm, "4.5%") - norm);
    a = text_orig_offset(t, p);
    b = text_orig_offset(t, p + 4);
    assert_memory_equal(orig + a, "４．５％", b - a);
    assert_int_equal(b - a, strlen("４．５％"));
    p = (size_t)(strstr(norm, "（同比）") - norm);
    assert_int_equal(text_orig_offset(t, p), (size_t)(strstr(orig, "（同比）") - orig));
    assert_int_equal(text_orig_offset(t, strlen(norm)), olen);
    check_map(t);
    text_free(t);
}

static void test_spaces(void **state)
{
    (void)state;
    const char *src = "a\u00A0b\u3000c\u2002d\u200Be\u202Ff\u3000\u3000学位";
    text *t = text_create();
    load_ok(t, src, strlen(src), NULL, NULL);
    assert_norm(t, "a b c d e f  学位");
    const char *orig = text_orig(t, NULL);
    assert_int_equal(text_orig_offset(t, 10), (size_t)(strchr(orig, 'f') - orig));
    assert_int_equal(text_orig_offset(t, 13), (size_t)(strstr(orig, "学") - orig));
    check_map(t);
    text_free(t);
}

/* A 3-byte traditional character whose simplified form takes 4 bytes, and back. */
static void test_length_changing_t2s(void **state)
{
    (void)state;
    const char *src = "甲\u9C0A乙\U000282E2丙";
    text *t = text_create();
    load_ok(t, src, strlen(src), NULL, NULL);
    assert_norm(t, "甲\U0002CDA0乙\u4882丙");
    const char *orig = text_orig(t, NULL), *norm = text_norm(t, NULL);
    size_t o_trad = 3, o_yi = 6, n_yi = (size_t)(strstr(norm, "乙") - norm);
    assert_int_equal(n_yi, 7);
    for (size_t k = 0; k < 4; k++) { /* every byte of the 4-byte form stays in its source */
        size_t o = text_orig_offset(t, 3 + k);
        assert_true(o >= o_trad && o < o_yi);
    }
    assert_int_equal(text_orig_offset(t, 3), o_trad);
    assert_int_equal(text_orig_offset(t, n_yi), o_yi);
    assert_int_equal(text_orig_offset(t, n_yi + 3), (size_t)(strstr(orig, "\U000282E2") - orig));
    assert_int_equal(text_orig_offset(t, n_yi + 6), (size_t)(strstr(orig, "丙") - orig));
    check_map(t);
    text_free(t);
}

static void test_line_endings(void **state)
{
    (void)state;
    const char *src = "第一行\r\n第二行３８００\r\n\r\n\n末行";
    text *t = text_create();
    load_ok(t, src, strlen(src), NULL, NULL);
    assert_norm(t, "第一行\r\n第二行3800\r\n\r\n\n末行");
    size_t n, m;
    char *u16 = conv("UTF-16LE", src, strlen(src), &n);
    char *bytes = prefix("\xFF\xFE", 2, u16, n, &m);
    load_ok(t, bytes, m, NULL, NULL);
    assert_norm(t, "第一行\r\n第二行3800\r\n\r\n\n末行");
    free(u16);
    free(bytes);
    text_free(t);
}

/* ---- bad bytes -------------------------------------------------------------- */

static void test_malformed_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
    } bad[] = {
        {"\xE6\x96", 2},          /* truncated 3-byte sequence */
        {"\xE6", 1},
        {"\xF0\x9F\x98", 3},      /* truncated 4-byte sequence */
        {"\xC3", 1},
        {"\x80", 1},              /* lone continuation bytes */
        {"\xBF\x80\x80", 3},
        {"\xC0\xAF", 2},          /* overlong '/' */
        {"\xC1\xBF", 2},
        {"\xE0\x80\xAF", 3},
        {"\xF0\x80\x80\xAF", 4},
        {"\xED\xA0\x80", 3},      /* surrogates */
        {"\xED\xBF\xBF", 3},
        {"\xFF", 1},
        {"\xFE\xFE", 2},
        {"\xF5\x80\x80\x80", 4},  /* beyond U+10FFFF */
        {"\xF4\x90\x80\x80", 4},
    };
    const char *line1 = "某区卫生健康工作计划\n";
    const char *line2 = "新增床位500张，培训医护人员2000人次";
    text *t = text_create();
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        for (int at_end = 0; at_end < 2; at_end++) {
            for (int forced = 0; forced < 2; forced++) {
                char buf[256];
                size_t n = 0, l1 = strlen(line1), l2 = strlen(line2);
                memcpy(buf, line1, l1);
                n = l1;
                size_t half = at_end ? l2 : strlen("新增床位500张，");
                memcpy(buf + n, line2, half);
                n += half;
                memcpy(buf + n, bad[k].bytes, bad[k].len);
                n += bad[k].len;
                memcpy(buf + n, line2 + half, l2 - half);
                n += l2 - half;
                memcpy(buf + n, "\n末行", strlen("\n末行"));
                n += strlen("\n末行");

                warnings w = {0};
                load_ok(t, buf, n, forced ? "UTF-8" : NULL, &w);
                assert_string_equal(text_encoding(t), "UTF-8");
                assert_true(w.calls >= 1);
                assert_int_equal(w.first_line, 2);
                assert_string_equal(w.msg, "invalid byte sequence replaced");
                size_t olen, nlen;
                const char *orig = text_orig(t, &olen), *norm = text_norm(t, &nlen);
                assert_true(valid_utf8(orig, olen));
                assert_true(valid_utf8(norm, nlen));
                assert_non_null(strstr(norm, "\xEF\xBF\xBD"));
                assert_non_null(strstr(norm, "新增床位500张，"));
                assert_int_equal(count_nl(norm, nlen), 2);
                check_map(t);
            }
        }
    }
    /* Truncated sequence at the very end of the input. */
    const char *tail = "培训教师2000人次\xE5\x9B";
    warnings w = {0};
    load_ok(t, tail, strlen(tail), NULL, &w);
    assert_int_equal(w.calls, 1);
    assert_int_equal(w.first_line, 1);
    assert_norm(t, "培训教师2000人次\xEF\xBF\xBD");

    /* One warning per line, then a single "too many". */
    char many[60 * 9];
    size_t n = 0;
    for (int k = 0; k < 60; k++) {
        memcpy(many + n, "学位\xFF\xFE\n", 9);
        n += 9;
    }
    w = (warnings){0};
    load_ok(t, many, n, "UTF-8", &w);
    assert_int_equal(w.calls, 51);
    assert_int_equal(w.first_line, 1);
    assert_int_equal(w.last_line, 51);
    assert_string_equal(w.msg, "too many invalid byte sequences: further ones replaced silently");
    size_t nlen;
    const char *norm = text_norm(t, &nlen);
    assert_int_equal(count_nl(norm, nlen), 60);
    assert_true(valid_utf8(norm, nlen));
    text_free(t);
}

static void test_damaged_legacy(void **state)
{
    (void)state;
    /* GB18030 text with a stray 0xFF on line 3: decoded as GB18030, byte replaced. */
    size_t n;
    char *gb = conv("GB18030", PLAN, strlen(PLAN), &n);
    const char *nl = gb;
    for (int k = 0; k < 2; k++)
        nl = memchr(nl, '\n', n - (size_t)(nl - gb)) + 1;
    size_t at = (size_t)(nl - gb) + 10;
    char *bytes = xmalloc(n + 1);
    memcpy(bytes, gb, at);
    bytes[at] = (char)0xFF;
    memcpy(bytes + at + 1, gb + at, n - at);
    text *t = text_create();
    warnings w = {0};
    load_ok(t, bytes, n + 1, NULL, &w);
    assert_string_equal(text_encoding(t), "GB18030");
    assert_int_equal(w.calls, 1);
    assert_int_equal(w.first_line, 3);
    size_t olen, nlen;
    const char *norm = text_norm(t, &nlen), *orig = text_orig(t, &olen);
    assert_true(valid_utf8(orig, olen));
    assert_true(valid_utf8(norm, nlen));
    assert_non_null(strstr(norm, "新增3800个学位"));
    assert_non_null(strstr(norm, "\xEF\xBF\xBD"));
    assert_int_equal(count_nl(norm, nlen), count_nl(PLAN, strlen(PLAN)));

    /* UTF-16LE with an odd trailing byte. */
    free(gb);
    free(bytes);
    char *u16 = conv("UTF-16LE", "学位\n3800", strlen("学位\n3800"), &n);
    bytes = prefix("\xFF\xFE", 2, u16, n, &at);
    char *odd = xrealloc(bytes, at + 1);
    odd[at] = 'x';
    w = (warnings){0};
    load_ok(t, odd, at + 1, NULL, &w);
    assert_int_equal(w.calls, 1);
    assert_int_equal(w.first_line, 2);
    assert_norm(t, "学位\n3800\xEF\xBF\xBD");
    free(u16);
    free(odd);

    /* UTF-16LE with a lone low surrogate: one unit replaced, the rest stays aligned. */
    static const char lone[] = "\xFF\xFE\x66\x5B\x00\xDC\x4D\x4F\n\0" "3\0" "8\0";
    w = (warnings){0};
    load_ok(t, lone, sizeof lone - 1, NULL, &w);
    assert_string_equal(text_encoding(t), "UTF-16LE");
    assert_int_equal(w.calls, 1);
    assert_int_equal(w.first_line, 1);
    assert_norm(t, "学\xEF\xBF\xBD位\n38");
    text_free(t);
}

/* Random bytes mixed with valid fragments: never crash, always valid output. */
static void test_fuzz(void **state)
{
    (void)state;
    static const char *const frags[] = {"学位", "個", "３８", "\u3000", "\xC2\xA0", "\n", "\r\n",
                                        "万元", "\xF0\xA8\x8B\xA2", "，", "a"};
    uint32_t seed = 12345;
    text *t = text_create();
    char buf[512];
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = 0;
        seed = seed * 1103515245u + 12345u;
        size_t parts = (seed >> 16) % 40;
        for (size_t p = 0; p < parts && n < sizeof buf - 8; p++) {
            seed = seed * 1103515245u + 12345u;
            uint32_t r = seed >> 8;
            if (r % 3 == 0) {
                unsigned char c = (unsigned char)(r >> 4);
                buf[n++] = (char)(c ? c : 0x80);
            } else {
                const char *f = frags[(r >> 4) % (sizeof frags / sizeof *frags)];
                memcpy(buf + n, f, strlen(f));
                n += strlen(f);
            }
        }
        warnings w = {0};
        pm_error e;
        int rc = text_load(t, buf, n, NULL, on_warn, &w, &e);
        if (rc != PM_OK) { /* only a chance binary signature may refuse */
            assert_int_equal(rc, PM_ERR_INPUT);
            continue;
        }
        size_t olen, nlen;
        const char *orig = text_orig(t, &olen), *norm = text_norm(t, &nlen);
        assert_true(valid_utf8(orig, olen));
        assert_true(valid_utf8(norm, nlen));
        assert_int_equal(count_nl(orig, olen), count_nl(norm, nlen));
        assert_int_equal(count_nl(orig, olen), count_nl(buf, n));
        if (w.calls)
            assert_true(w.first_line >= 1 && w.last_line <= (long)count_nl(buf, n) + 1);
        check_map(t);
    }
    text_free(t);
}

/* ---- refusals ------------------------------------------------------------------ */

static void expect_input_error(const char *bytes, size_t n, const char *enc, const char *needle)
{
    text *t = text_create();
    load_ok(t, "旧内容", strlen("旧内容"), NULL, NULL);
    pm_error e;
    pm_error_clear(&e);
    assert_int_equal(text_load(t, bytes, n, enc, NULL, NULL, &e), PM_ERR_INPUT);
    assert_int_equal(e.code, PM_ERR_INPUT);
    if (!strstr(e.msg, needle))
        fail_msg("message '%s' lacks '%s'", e.msg, needle);
    size_t len;
    text_norm(t, &len);
    assert_int_equal(len, 0);
    text_orig(t, &len);
    assert_int_equal(len, 0);
    text_free(t);
}

static void test_binary(void **state)
{
    (void)state;
    expect_input_error("新增3800个\0学位", sizeof "新增3800个\0学位" - 1, NULL, "NUL bytes");
    expect_input_error("abc\n\0\0\0\0", 8, "GBK", "NUL bytes");
    expect_input_error("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj", 26, NULL,
                       "looks like a PDF file: convert it with pdftotext first");
    expect_input_error("%PDF-1.7\n", 9, "UTF-8", "pdftotext");
    expect_input_error("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, NULL, "looks like a PNG image");
    expect_input_error("\xFF\xD8\xFF\xE0\0\x10JFIF", 10, NULL, "JPEG");
    expect_input_error("GIF89a\x01\0", 8, NULL, "GIF");
    expect_input_error("PK\x03\x04\x14\0\x06\0", 8, NULL, "ZIP");
    /* UTF-16 with a BOM is not binary, but a NUL character in it is. */
    size_t n, m;
    char *u32 = conv("UTF-32LE", "学位", strlen("学位"), &n);
    char *bytes = prefix("\xFF\xFE\0\0\0\0\0\0", 8, u32, n, &m); /* BOM, U+0000 */
    expect_input_error(bytes, m, NULL, "NUL characters");
    free(u32);
    free(bytes);
}

static void test_unknown_encoding(void **state)
{
    (void)state;
    text *t = text_create();
    pm_error e;
    pm_error_clear(&e);
    assert_int_equal(text_load(t, "学位", strlen("学位"), "NO-SUCH-ENCODING", NULL, NULL, &e),
                     PM_ERR_INPUT);
    assert_string_equal(e.msg, "unknown encoding 'NO-SUCH-ENCODING'");
    assert_int_equal(text_load(t, "学位", strlen("学位"), "GBK//IGNORE", NULL, NULL, &e),
                     PM_ERR_INPUT);
    assert_string_equal(e.msg, "unknown encoding 'GBK//IGNORE'");
    text_free(t);
}

static void test_forced_encodings(void **state)
{
    (void)state;
    text *t = text_create();
    size_t n;
    char *gb = conv("GBK", PLAN, strlen(PLAN), &n);
    load_ok(t, gb, n, "GBK", NULL);
    assert_string_equal(text_encoding(t), "GBK");
    assert_norm(t, PLAN_NORM);
    load_ok(t, gb, n, "gb18030", NULL);
    assert_norm(t, PLAN_NORM);
    free(gb);

    /* A forced legacy encoding replaces what it cannot decode, with a warning. */
    warnings w = {0};
    static const char gbk_bad[] = "\xD1\xA7\xCE\xBB\n3800\xFF\xB8\xF6"; /* 学位 个 */
    load_ok(t, gbk_bad, sizeof gbk_bad - 1, "GBK", &w);
    assert_int_equal(w.calls, 1);
    assert_int_equal(w.first_line, 2);
    assert_norm(t, "学位\n3800\xEF\xBF\xBD个");

    char *u16 = conv("UTF-16LE", PLAN, strlen(PLAN), &n); /* no BOM: must be named */
    load_ok(t, u16, n, "UTF-16LE", NULL);
    assert_norm(t, PLAN_NORM);
    free(u16);

    load_ok(t, PLAN, strlen(PLAN), "auto", NULL);
    assert_norm(t, PLAN_NORM);
    load_ok(t, PLAN, strlen(PLAN), "utf8", NULL);
    assert_string_equal(text_encoding(t), "UTF-8");
    assert_norm(t, PLAN_NORM);
    text_free(t);
}

/* ---- edge sizes ----------------------------------------------------------------- */

static void test_empty_and_spaces(void **state)
{
    (void)state;
    text *t = text_create();
    size_t len;
    assert_string_equal(text_norm(t, &len), ""); /* before any load */
    assert_int_equal(len, 0);
    load_ok(t, NULL, 0, NULL, NULL);
    assert_string_equal(text_norm(t, &len), "");
    assert_int_equal(len, 0);
    assert_string_equal(text_orig(t, &len), "");
    assert_int_equal(len, 0);
    assert_int_equal(text_orig_offset(t, 0), 0);
    load_ok(t, "\xEF\xBB\xBF", 3, NULL, NULL); /* BOM only */
    assert_norm(t, "");
    load_ok(t, "   \t \n  \n", 9, NULL, NULL);
    assert_norm(t, "   \t \n  \n");
    load_ok(t, "\u3000\u3000\n", strlen("\u3000\u3000\n"), NULL, NULL);
    assert_norm(t, "  \n");
    assert_int_equal(text_orig_offset(t, 1), 3);
    assert_int_equal(text_orig_offset(t, 2), 6);
    text_free(t);
    text_free(NULL);
}

static void test_large_single_line(void **state)
{
    (void)state;
    const char *unit = "新增3800個學位，培訓教師２０００人次；";
    const char *unit_norm = "新增3800个学位，培训教师2000人次；";
    size_t ul = strlen(unit), nl = strlen(unit_norm), reps = 5 * 1024 * 1024 / ul + 1;
    char *big = xmalloc(reps * ul);
    for (size_t k = 0; k < reps; k++)
        memcpy(big + k * ul, unit, ul);
    text *t = text_create();
    warnings w = {0};
    load_ok(t, big, reps * ul, NULL, &w);
    assert_int_equal(w.calls, 0);
    size_t len;
    const char *norm = text_norm(t, &len);
    assert_int_equal(len, reps * nl);
    assert_int_equal(count_nl(norm, len), 0);
    size_t probes[] = {0, 1, reps / 2, reps - 1};
    for (size_t k = 0; k < sizeof probes / sizeof *probes; k++) {
        size_t at = probes[k] * nl;
        assert_memory_equal(norm + at, unit_norm, nl);
        assert_int_equal(text_orig_offset(t, at), probes[k] * ul);
        size_t d = strlen("新增3800个学位，培训教师");
        assert_int_equal(text_orig_offset(t, at + d + 1), probes[k] * ul + d + 3);
    }
    assert_int_equal(text_orig_offset(t, len), reps * ul);
    free(big);
    text_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_plain),
        cmocka_unit_test(test_encodings_agree),
        cmocka_unit_test(test_big5_traditional),
        cmocka_unit_test(test_short_legacy_texts),
        cmocka_unit_test(test_traditional_utf8),
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_t2s_table),
        cmocka_unit_test(test_fullwidth_offsets),
        cmocka_unit_test(test_spaces),
        cmocka_unit_test(test_length_changing_t2s),
        cmocka_unit_test(test_line_endings),
        cmocka_unit_test(test_malformed_utf8),
        cmocka_unit_test(test_damaged_legacy),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_unknown_encoding),
        cmocka_unit_test(test_forced_encodings),
        cmocka_unit_test(test_empty_and_spaces),
        cmocka_unit_test(test_large_single_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
