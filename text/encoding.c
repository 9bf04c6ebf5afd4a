/* encoding.c: bytes that are not plain UTF-8 - UTF-8 repair, iconv decoding, and the
 * choice between GB18030 and Big5 by how many common hanzi each strict decoding reads. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/mem.h"
#include "text/text_int.h"

/* ---- UTF-8 with damaged bytes ------------------------------------------- */

/* Length of the maximal ill-formed subpart at s[0..n) (the bytes one U+FFFD
 * replaces, as Unicode recommends); s does not start a valid sequence. */
static size_t utf8_bad_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else
        return 1;
    size_t k = 1;
    if (k < n && s[k] >= lo && s[k] <= hi) {
        k++;
        while (k < len && k < n && (s[k] & 0xC0) == 0x80)
            k++;
    }
    return k < len ? k : 1;
}

void enc_utf8_stats(const unsigned char *s, size_t n, size_t *good_mb, size_t *bad)
{
    size_t i = 0, g = 0, b = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = utf8_valid_len(s + i, n - i);
        if (len) {
            g += len > 2;
            i += len;
        } else {
            b++;
            i += utf8_bad_len(s + i, n - i);
        }
    }
    *good_mb = g;
    *bad = b;
}

char *enc_utf8_repair(const unsigned char *s, size_t n, warner *w, size_t *outlen)
{
    size_t cap = n + n / 8 + 16;
    unsigned char *d = xmalloc(cap + 1);
    size_t i = 0, o = 0, counted = 0;
    long line = 1;
    while (i < n) {
        if (cap - o < 4) {
            d = xrealloc(d, cap * 2 + 1);
            cap *= 2;
        }
        size_t len = s[i] < 0x80 ? 1 : utf8_valid_len(s + i, n - i);
        if (len) {
            memcpy(d + o, s + i, len);
            o += len;
            i += len;
            continue;
        }
        line += count_lines((const char *)s + counted, i - counted);
        counted = i;
        warn_bad(w, line);
        d[o++] = 0xEF;
        d[o++] = 0xBF;
        d[o++] = 0xBD;
        i += utf8_bad_len(s + i, n - i);
    }
    d[o] = '\0';
    *outlen = o;
    return (char *)d;
}

/* ---- iconv decoding ------------------------------------------------------- */

void enc_key(const char *name, char *key, size_t size)
{
    size_t k = 0;
    for (; *name && k + 1 < size; name++)
        if (*name != '-' && *name != '_')
            key[k++] = (char)(*name >= 'a' && *name <= 'z' ? *name - 'a' + 'A' : *name);
    key[k] = '\0';
}

size_t enc_unit(const char *name)
{
    char key[32];
    enc_key(name, key, sizeof key);
    if (strncmp(key, "UTF16", 5) == 0 || strncmp(key, "UCS2", 4) == 0 ||
        strcmp(key, "UNICODE") == 0)
        return 2;
    if (strncmp(key, "UTF32", 5) == 0 || strncmp(key, "UCS4", 4) == 0)
        return 4;
    return 1;
}

int enc_iconv(const char *enc, const char *in, size_t n, int strict, warner *w, char **out,
              size_t *outlen, size_t *nbad)
{
    iconv_t cd = iconv_open("UTF-8", enc);
    if (cd == (iconv_t)-1)
        return PM_ERR_INPUT;
    size_t cap = n + n / 2 + 16, used = 0, counted = 0, bad = 0, unit = enc_unit(enc);
    long line = 1;
    char *buf = xmalloc(cap + 1);
    int rc = PM_OK;
    char *ip = (char *)(uintptr_t)in; /* iconv's prototype lacks const */
    size_t il = n;
    for (;;) {
        char *op = buf + used;
        size_t ol = cap - used;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        used = (size_t)(op - buf);
        if (r != (size_t)-1 && il == 0)
            break;
        int e = errno;
        if (e == E2BIG || cap - used < 4) {
            buf = xrealloc(buf, cap * 2 + 1);
            cap *= 2;
            continue;
        }
        if (e != EILSEQ && e != EINVAL) {
            rc = PM_ERR_INPUT;
            break;
        }
        if (strict) {
            rc = NOT_VALID;
            break;
        }
        line += count_lines(buf + counted, used - counted);
        counted = used;
        warn_bad(w, line);
        memcpy(buf + used, "\xEF\xBF\xBD", 3);
        used += 3;
        bad++;
        if (e == EINVAL) /* incomplete sequence at the end */
            break;
        size_t skip = unit < il ? unit : il;
        ip += skip;
        il -= skip;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    iconv_close(cd);
    if (rc != PM_OK) {
        free(buf);
        return rc;
    }
    buf[used] = '\0';
    *out = buf;
    *outlen = used;
    if (nbad)
        *nbad = bad;
    return PM_OK;
}

/* ---- GB18030 or Big5? ---------------------------------------------------- */

/* Very common characters of modern written Chinese, in simplified form, plus the
 * vocabulary of plan documents: the evidence for telling a right decoding from
 * mojibake. Traditional text counts after mapping to simplified. */
static const char common_chars[] =
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子"
    "那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面"
    "起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机"
    "十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文"
    "体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门"
    "任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别"
    "打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山"
    "金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且"
    "权思王象完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师"
    "观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元"
    "英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百"
    "需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须"
    "九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首"
    "医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案"
    "黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲"
    "型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低"
    "朝友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般"
    "普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省"
    "初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射"
    "略范竟句室异激汉村策演简罪判担州静退既衣宗积余检差富灵协角占配征修皮挥胜降"
    "阶审坚善读超免压银买养执副乱抗犯追帮宣岁航优香田铁控税左右份穿艺背阵草概块"
    "守户烈洋索款靠评版宝座释景顾登货互付慢欧换闻危核介坏讨良序升监临亮露永呼野"
    "架域括杂误减编测败屋梦温困渐封救贵缺楼县尚移画班智短掌遗固席松秘谢遇康虑均"
    "销钟藏赶剧票损巨旧端探湖录叶春乡附吸予礼港板庭妇归额含顺输招婚脱补督油疗旅"
    "材灭逐笔鲜词择寻厂博授岸健堂旁宫借禁阴园谋避抓荣孙束跳顶镇练迫篇馆遍凡础洞"
    "卷坦牛宁纸训私庄祖丝翻森握戏隐熟骨访弱典欲伙盘扩盖稳亿拥齐赛趣迎冰虚析购替"
    "途侵刑绿套贸毕唯谷轮库迹尤竞街促延震甲伟川申缓潜售灯针络抵植纯夏页筑折尊秀"
    "混雅振染盛舞圆措残秋培迷诚宽宇猛摆毁伸摩盟末拍硬操阻订彩抽赞纷沿违浪汇币丰"
    "殊献援译夺汽烧距裁偏符勇触课敬懂墙罚厅巧侧债融惯享童乘挂奖绍厚纵障讯涉彻刊"
    "役描患妙签症仿倾牌陷闭奋庆撤茶疾播季仪珠驻孔宜桥淡繁伴旦潮粮缩聚径恰灰捕珍"
    "幕映泰隔启尖忠累估泛荒偿横拒孤衡零穷舍码灾洪津俗胸劲贫仁偶辑邦恢圈仰润堆碰"
    "稍迟辆废净署壁御奉旋冬矿伏倍秦盾租骑乏隆诊摄污渡旗甘耐凭扎抢粗肩梁综爬悉返"
    "井壮薄扫敏碍殖详允幅剩颗赏液箱贴漫舒辛餐励辞键峰尺黎辈贯侦滑券崇扰宪绕趋慈"
    "阅墨插粉泥拔媒佩扑龄驱惜兼跃肃驶届欣惠册储闲洁踪频磨递撞拟巡剂绩贡坡截燃焦"
    "伪锁逼颇劝呈搜勤戒驾饮柔腐幼践籍牧凉佳浓芳稿竹垂遵脉兽贷昌叙钢沟寄扶铺寿询"
    "肥辉扣廷凝慰腾埋泉涌辖艰紫祝邮鉴梯祥阔誉筹丛牵鸣阁穆旨抛池粒遥冠尘抚浅纠钻"
    "晶敦菌涂粹扁亏煤恭湿循暖糖赋抑秩宿踏侯押肤疫削岗宏履涨耀扭伐堪雇廉契拼覆刷"
    "嫌添挖氧浩羽妨贪仓轨盐览帅寺屏饱滴疏棉晴填饲渴扮逆脆柴绳储蓄竭"
    "镇街道乡村社区学位教师培训课程幼儿园义务高中职业院校就业创业养老托育医疗卫"
    "生健康体育文化旅游住房保障交通水利能源电力环境生态绿色低碳产业园区企业项目"
    "投资资金财政预算万元亿元人次户套公里亩吨个家所座条张台辆年度计划目标任务完"
    "成实施推进加快落实提升改善扩大新增累计达到超过全面深化持续巩固";

/* Points for a decoded sample: common characters score, rare or unlikely ones
 * (private use, extension A, kana, Hangul, symbols) cost. */
static long decoding_score(const char *u, size_t len, const uint32_t *common)
{
    const unsigned char *s = (const unsigned char *)u;
    size_t i = 0;
    long score = 0;
    while (i < len) {
        size_t l = utf8_valid_len(s + i, len - i);
        if (l == 0) { /* cannot happen for iconv output; be safe */
            score -= 3;
            i++;
            continue;
        }
        uint32_t cp = utf8_get(s + i, l);
        i += l;
        if (cp < 0x80)
            continue;
        uint32_t sc = text_t2s(cp);
        if (!sc)
            sc = cp;
        if (sc >= 0x4E00 && sc < 0xA000 && (common[(sc - 0x4E00) >> 5] >> (sc & 31) & 1u))
            score += 3;
        else if ((cp >= 0x4E00 && cp < 0xA000) || (cp >= 0x3000 && cp < 0x3040) ||
                 (cp >= 0xFF00 && cp < 0xFFF0) || (cp >= 0x2010 && cp < 0x2070))
            ; /* other hanzi, CJK and general punctuation, full-width forms */
        else
            score -= 1;
    }
    return score;
}

static void common_bitmap(uint32_t *bits, size_t nwords)
{
    const unsigned char *s = (const unsigned char *)common_chars;
    size_t n = sizeof common_chars - 1, i = 0;
    memset(bits, 0, nwords * sizeof *bits);
    while (i < n) {
        size_t l = utf8_valid_len(s + i, n - i);
        if (!l)
            break;
        uint32_t cp = utf8_get(s + i, l);
        if (cp >= 0x4E00 && cp < 0xA000)
            bits[(cp - 0x4E00) >> 5] |= 1u << (cp & 31);
        i += l;
    }
}

static const char *const big5_names[] = {"BIG5", "CP950", "BIG5-HKSCS"};
#define N_BIG5 (sizeof big5_names / sizeof *big5_names)

/* A sample of s[0..n) for choosing the decoding: at most SCORE_SAMPLE bytes, cut
 * after a byte below 0x30 (never part of a GB18030 or Big5 multi-byte sequence). */
static size_t sample_len(const unsigned char *s, size_t n)
{
    if (n <= SCORE_SAMPLE)
        return n;
    for (size_t k = SCORE_SAMPLE; k > 0; k--)
        if (s[k - 1] < 0x30)
            return k;
    return n;
}

/* A legacy decoding worth trying: GB18030 or big5_names[big5]. */
typedef struct {
    int big5; /* -1: GB18030 */
    long score;
} legacy_cand;

/* Rank GB18030 and Big5 (the first of BIG5, CP950, BIG5-HKSCS that decodes) by
 * strict decoding a sample of s and scoring it: cands[0..return) best first, ties
 * to GB18030. */
static size_t legacy_rank(const unsigned char *s, size_t n, const uint32_t *common,
                          legacy_cand cands[2])
{
    size_t m = sample_len(s, n), k = 0;
    char *buf;
    size_t len;
    for (int c = -1; c < (int)N_BIG5; c++) {
        const char *enc = c < 0 ? "GB18030" : big5_names[c];
        if (enc_iconv(enc, (const char *)s, m, 1, NULL, &buf, &len, NULL) != PM_OK)
            continue;
        cands[k].big5 = c;
        cands[k].score = decoding_score(buf, len, common);
        free(buf);
        k++;
        if (c < 0)
            continue;
        break; /* one Big5 variant is enough */
    }
    if (k == 2 && cands[1].score > cands[0].score) {
        legacy_cand tmp = cands[0];
        cands[0] = cands[1];
        cands[1] = tmp;
    }
    return k;
}

/* Strict full decode for a candidate (a Big5 candidate also tries the later
 * variants): the encoding with the text in *buf, or NULL when none decodes. */
static const char *legacy_decode(const unsigned char *s, size_t n, const legacy_cand *c, char **buf,
                                 size_t *len)
{
    int last = c->big5 < 0 ? -1 : (int)N_BIG5 - 1;
    *buf = NULL;
    for (int k = c->big5; k <= last; k++) {
        const char *enc = k < 0 ? "GB18030" : big5_names[k];
        if (enc_iconv(enc, (const char *)s, n, 1, NULL, buf, len, NULL) == PM_OK)
            return enc;
        *buf = NULL;
    }
    return NULL;
}

const char *enc_legacy(const unsigned char *s, size_t n, warner *w, char **buf, size_t *len)
{
    uint32_t common[(0xA000 - 0x4E00) / 32];
    common_bitmap(common, sizeof common / sizeof *common);
    legacy_cand cands[2];
    size_t ncand = legacy_rank(s, n, common, cands);
    for (size_t k = 0; k < ncand; k++) {
        const char *enc = legacy_decode(s, n, &cands[k], buf, len);
        if (enc)
            return enc;
    }

    size_t good, utf8_bad, gbbad = SIZE_MAX, b5bad = SIZE_MAX;
    enc_utf8_stats(s, n, &good, &utf8_bad);
    if (enc_iconv("GB18030", (const char *)s, n, 0, NULL, buf, len, &gbbad) == PM_OK)
        free(*buf);
    if (enc_iconv("BIG5", (const char *)s, n, 0, NULL, buf, len, &b5bad) == PM_OK)
        free(*buf);
    *buf = NULL;
    if (utf8_bad <= gbbad && utf8_bad <= b5bad)
        return NULL;
    const char *enc = gbbad <= b5bad ? "GB18030" : "BIG5";
    if (enc_iconv(enc, (const char *)s, n, 0, w, buf, len, NULL) != PM_OK)
        *buf = NULL;
    return enc;
}

const char *enc_recheck_two_byte(const unsigned char *s, size_t n, char **buf, size_t *len)
{
    int odd = 0;
    *buf = NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= 0xE0)
            return NULL;
        if (s[i] >= 0xC0 && i + 1 < n) {
            uint32_t cp = utf8_get(s + i, 2);
            if (cp >= 0x250 && !(cp >= 0x370 && cp < 0x530))
                odd = 1;
        }
    }
    if (!odd)
        return NULL;
    uint32_t common[(0xA000 - 0x4E00) / 32];
    common_bitmap(common, sizeof common / sizeof *common);
    legacy_cand cands[2];
    size_t ncand = legacy_rank(s, n, common, cands);
    /* UTF-8 sample scored over the same bytes the candidates were. */
    if (ncand == 0 || cands[0].score <= decoding_score((const char *)s, sample_len(s, n), common))
        return NULL;
    return legacy_decode(s, n, &cands[0], buf, len);
}
