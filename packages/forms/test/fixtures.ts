/**
 * Form data for the renderer tests: realistic Chinese content, registers of 30+ rows, one field
 * of 2,000 characters in each form, names carrying XML/HTML special characters (< & > "), empty
 * optional fields, and times on both sides of Beijing midnight. Deterministic (seeded).
 */
import type {
  CrisisRecord,
  CrisisRegisterData,
  FormHeader,
  FormLevel,
  InfoCollectionData,
  InfoEntry,
  MajorReportData,
  VisitEntry,
  VisitRecordData,
  WarningRecordData,
  WeeklyReportData,
} from '../src/model';
import { INFO_CHANNELS } from '../src/model';
import { mulberry32 } from '../../../test/support/random';

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

/** Beijing wall time → instant. */
export const bj = (y: number, mo: number, d: number, h = 0, mi = 0): Date => new Date(Date.UTC(y, mo - 1, d, h - 8, mi));

export const SPECIAL = '<&>"';

/** What the renderers keep of a text: characters XML 1.0 cannot carry are dropped. */
export const xmlSafe = (s: string): string =>
  // eslint-disable-next-line no-control-regex
  s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');

export const HEADER: FormHeader = {
  serial: '公关〔2026〕12号',
  secrecy: '内部',
  unit: '某市公安局<警察公共关系科> & "新闻宣传"组',
};

const SENTENCES = [
  '网民“清风徐来”在微博发布视频，称某派出所民警在处置一起邻里纠纷时态度生硬，引发部分网民关注和转发。',
  '经核查，当事民警系依法依规开展现场调解，执法记录仪完整记录了处置过程，未发现违规情形。',
  '相关话题在抖音、今日头条等平台持续发酵，部分自媒体账号截取片段进行炒作，评论区出现质疑执法公正的声音。',
  '分局第一时间启动舆情应对预案，成立由分管领导牵头的工作专班，开展舆情研判、事实核查和正面引导工作。',
  '经与当事双方沟通，双方对调解结果表示认可，发帖网民已主动删除原视频并发布说明。',
  '截至目前，相关信息传播热度明显下降，舆情总体平稳可控，未出现线下聚集等次生风险。',
  '下一步将持续加强网上巡查，密切关注相关话题动态，及时回应群众关切，防止舆情反弹。',
  '同时举一反三，组织开展执法规范化专题培训，进一步提升一线民警现场处置和沟通能力。',
];

/** Chinese text of exactly `length` characters, made of whole sentences cut at the end. */
export function chineseText(length: number, seed = 1, paragraphs = 1): string {
  const r = mulberry32(seed);
  const per = Math.floor(length / paragraphs);
  const parts: string[] = [];
  for (let p = 0; p < paragraphs; p++) {
    const want = p === paragraphs - 1 ? length - per * (paragraphs - 1) - (paragraphs - 1) : per;
    let s = '';
    while (s.length < want) s += pick(r, SENTENCES);
    parts.push(s.slice(0, want - 1) + '。');
  }
  // Paragraphs are separated by one line feed, which counts towards the length.
  return parts.join('\n');
}

export const LONG_TEXT = chineseText(2000, 7, 3);

const PLACES = ['城关区人民路', '高新区科技大道', '江北区滨江公园', '开发区第二中学门口', '老城区菜市场', '火车站广场', '城南派出所辖区'];
const TOPICS = [
  '网传民警执法时态度粗暴',
  '某小区电动车被盗案件引发关注',
  '交警路口执勤视频被剪辑传播',
  '网民质疑派出所出警迟缓',
  '辅警招聘考试成绩公示争议',
  '网传某中学门口发生斗殴',
  '夜间噪音扰民报警未获处理',
  '网传“警察打人”视频系旧闻翻炒',
];
const RULES = ['涉警负面信息激增', '敏感词命中', '单条高热度传播', '多平台同步扩散', '话题热度突升'];
const NAMES = ['张伟', '王芳', '李娜', '刘洋', '陈静', '杨帆', '赵磊', '黄敏', '周强', '吴婷'];
const LEVELS: readonly FormLevel[] = ['blue', 'yellow', 'orange', 'red'];

/** 重大事项呈报表 with a 2,000-character 舆情概况 and special characters in names. */
export function majorReport(): MajorReportData {
  return {
    header: HEADER,
    incidentId: 4821,
    reportedAt: bj(2026, 11, 28, 23, 45),
    title: `关于网传“民警执法视频”<未剪辑版> & 相关舆情的呈报`,
    occurredAt: bj(2026, 11, 28, 0, 12),
    place: '城关区人民路与解放街交叉口',
    involved: '城关派出所民警王某、辅警李某；网民“清风徐来”',
    opinion: {
      firstPost: { author: '清风徐来<&>', source: '新浪微博', at: bj(2026, 11, 28, 0, 12), url: 'https://weibo.com/1234567890/Nabc?from=a&x=<y>' },
      items: 1376,
      policeNegative: 412,
      platforms: ['新浪微博', '抖音', '今日头条', '微信公众号'],
      peak: { perHour: 238, at: bj(2026, 11, 28, 21, 0) },
      level: 'orange',
      levelReason: '涉警负面信息 2 小时内超过 300 条，且多平台同步扩散，由黄色调升为橙色。',
      summary: LONG_TEXT,
    },
    measures: '1. 启动舆情应对预案，成立工作专班；\n2. 调取执法记录仪视频，开展事实核查；\n3. 与发帖网民沟通，说明处置经过。',
    response: '11月28日22时，@平安城关 官方微博发布情况通报，阅读量 56 万次。',
    nextSteps: '持续开展网上巡查，做好舆情反弹应对准备；组织执法规范化培训。',
    reporter: '刘洋',
  };
}

/** A weekly report whose figures the tests check one by one. */
export function weeklyReport(): WeeklyReportData {
  const r = mulberry32(11);
  const start = bj(2026, 11, 23);
  const warnings = Array.from({ length: 14 }, (_, i) => ({
    at: new Date(start.getTime() + i * 11 * 3_600_000 + 7 * 60_000),
    level: pick(r, LEVELS),
    title: `${pick(r, TOPICS)}（第${i + 1}次预警）`,
    state: pick(r, ['firing', 'acknowledged', 'resolved']),
  }));
  warnings[3] = { ...warnings[3]!, title: `标题含特殊字符 ${SPECIAL} <b>加粗</b>` };
  const incidents = Array.from({ length: 6 }, (_, i) => ({
    id: 300 + i,
    title: pick(r, TOPICS),
    level: pick(r, LEVELS),
    status: pick(r, ['new', 'assessing', 'handling', 'responded', 'closed']),
    openedAt: new Date(start.getTime() + i * 26 * 3_600_000),
    respondedAt: i % 2 === 0 ? new Date(start.getTime() + i * 26 * 3_600_000 + 5 * 3_600_000) : null,
  }));
  return {
    header: HEADER,
    periodStart: start,
    periodEnd: bj(2026, 11, 30),
    figures: {
      items: 18_542,
      policeRelated: 1_204,
      policeNegative: 151,
      negativeShare: 151 / 1204,
      warnings: { blue: 5, yellow: 4, orange: 3, red: 2 },
      incidentsOpened: 6,
      incidentsClosed: 2,
      responses: 3,
    },
    warnings,
    incidents,
    overview: LONG_TEXT,
    mainWork: '一是完成全市涉警舆情 7×24 小时监测；\n二是组织开展舆情应对桌面推演 1 次；\n三是走访人大代表 2 人次。',
    nextWeek: '做好元旦前后安保维稳舆情保障工作；完善舆情分级响应工作机制。',
    filledBy: '陈静',
  };
}

/** 科学预警记录 of November with `n` warnings; row 5 has a 2,000-character 处置情况. */
export function warningRecord(n = 36): WarningRecordData {
  const r = mulberry32(21);
  const start = bj(2026, 11, 1);
  const rows: WarningRecordData['rows'] = Array.from({ length: n }, (_, i) => ({
    alertId: 9000 + i * 3,
    // Some at 23:xx and 00:xx Beijing time, so a date shifted the wrong way shows on the wrong day.
    at: new Date(start.getTime() + i * 19 * 3_600_000 + (i % 3) * 23 * 60_000),
    level: pick(r, LEVELS),
    topic: `${pick(r, TOPICS)}·${pick(r, PLACES)}`,
    rule: pick(r, RULES),
    handling: `${pick(r, NAMES)}于预警后 ${5 + (i % 20)} 分钟确认，${i % 4 === 0 ? `建立事件 #${500 + i}` : '持续关注'}。`,
    outcome: pick(r, ['已解除：热度回落', '事件已结案', '事件处置中', '已回应：发布情况通报', '']),
  }));
  rows[4] = { ...rows[4]!, handling: LONG_TEXT };
  rows[7] = { ...rows[7]!, topic: `话题名含 ${SPECIAL} 与 <script>alert("x")</script> 👮`, rule: 'A&B <规则>' };
  return { header: HEADER, periodStart: start, periodEnd: bj(2026, 12, 1), rows };
}

/** 危机管理登记表 register with `n` records; record 2 has a long response and a timeline with markup. */
export function crisisRegister(n = 32): CrisisRegisterData {
  const r = mulberry32(31);
  const start = bj(2026, 11, 1);
  const records: CrisisRecord[] = Array.from({ length: n }, (_, i) => {
    const openedAt = new Date(start.getTime() + i * 21 * 3_600_000 + 17 * 60_000);
    const responded = i % 3 !== 1;
    const closed = i % 4 === 0;
    return {
      incidentId: 700 + i,
      title: `${pick(r, TOPICS)}（${pick(r, PLACES)}）`,
      level: pick(r, LEVELS),
      category: pick(r, ['执法争议', '警情通报', '队伍管理', '谣言澄清', '其他']),
      place: pick(r, PLACES),
      openedAt,
      status: closed ? 'closed' : responded ? 'responded' : pick(r, ['new', 'assessing', 'handling']),
      owner: pick(r, NAMES),
      dueAt: i % 5 === 2 ? null : new Date(openedAt.getTime() + 4 * 3_600_000),
      respondedAt: responded ? new Date(openedAt.getTime() + 3 * 3_600_000) : null,
      responseChannel: responded ? pick(r, ['官方微博', '微信公众号', '新闻发布会']) : '',
      responseText: responded ? '针对网民反映的情况，我局高度重视，已第一时间核查，现将有关情况通报如下。' : '',
      closedAt: closed ? new Date(openedAt.getTime() + 30 * 3_600_000) : null,
      closingSummary: closed ? '舆情已平息，当事人已接受处理结果。' : '',
      summary: pick(r, SENTENCES),
      timeline: Array.from({ length: 2 + (i % 4) }, (_, k) => ({
        at: new Date(openedAt.getTime() + k * 95 * 60_000),
        actor: pick(r, NAMES),
        text: k === 0 ? '建立事件' : pick(r, ['开始研判', '转入处置', '发布情况通报', '领导批示：加强引导', '补充核查材料']),
      })),
    };
  });
  records[2] = {
    ...records[2]!,
    responseText: LONG_TEXT,
    owner: `王五 ${SPECIAL}`,
    // Characters XML cannot carry (a bell, a vertical tab, U+FFFF, a lone surrogate): scraped text has them.
    summary: `摘要含控制字符\u0007\u000B与\uFFFF非字符及孤立代理项\uD800，应被去掉。`,
    timeline: [...records[2]!.timeline, { at: new Date(records[2]!.openedAt.getTime() + 9 * 3_600_000), actor: '系统<自动>', text: '超时提醒 & "回应时限已过"' }],
  };
  return { header: HEADER, periodStart: start, periodEnd: bj(2026, 12, 1), records };
}

/** 信息采集表 with `n` entries; entry 3 has 2,000 characters of content. */
export function infoCollection(n = 40): InfoCollectionData {
  const r = mulberry32(41);
  const start = bj(2026, 11, 1);
  const entries: InfoEntry[] = Array.from({ length: n }, (_, i) => {
    const occurredAt = new Date(start.getTime() + i * 17 * 3_600_000 + 40 * 60_000);
    return {
      id: 120 + i,
      channel: INFO_CHANNELS[i % INFO_CHANNELS.length]!,
      occurredAt,
      place: pick(r, PLACES),
      people: `${pick(r, NAMES)}等 ${1 + (i % 5)} 人`,
      content: `群众反映${pick(r, TOPICS)}，${pick(r, SENTENCES)}`,
      followUp: i % 6 === 5 ? '' : pick(r, ['已转交辖区派出所核查', '已电话回访，群众表示满意', '持续关注']),
      officer: pick(r, NAMES),
      itemId: i % 7 === 3 ? null : 880_000 + i,
      createdAt: new Date(occurredAt.getTime() + 2 * 3_600_000),
    };
  });
  entries[3] = { ...entries[3]!, content: LONG_TEXT, people: `赵六 ${SPECIAL}` };
  return { header: HEADER, periodStart: start, periodEnd: bj(2026, 12, 1), entries };
}

/** 走访人大代表、政协委员记录表 for the fourth quarter with `n` visits; visit 6 carries 2,000 characters of views. */
export function visitRecord(n = 31): VisitRecordData {
  const r = mulberry32(51);
  const entries: VisitEntry[] = Array.from({ length: n }, (_, i) => {
    // Dates as the database hands over a DATE: Beijing midnight of the day.
    const visitedOn = bj(2026, 10, 1 + Math.floor((i * 90) / n));
    return {
      id: 60 + i,
      visitedOn,
      person: pick(r, ['孙建国', '钱丽华', '郑志明', '冯秀英', '蒋文博']),
      role: i % 2 === 0 ? '人大代表' : '政协委员',
      organisation: pick(r, ['市第一人民医院副院长', '某科技公司董事长', '市实验中学校长', '社区居委会主任']),
      views: `建议${pick(r, ['加强校园周边交通秩序整治', '进一步畅通群众报警求助渠道', '加大电信网络诈骗宣传力度', '优化户籍业务办理流程'])}。`,
      followUp: i % 5 === 4 ? '' : '已转相关警种研究办理，按期反馈。',
      officer: pick(r, NAMES),
      createdAt: new Date(visitedOn.getTime() + 15 * 3_600_000 + 30 * 60_000),
    };
  });
  entries[6] = { ...entries[6]!, views: LONG_TEXT, person: `周七 ${SPECIAL}` };
  return { header: HEADER, periodStart: bj(2026, 10, 1), periodEnd: bj(2027, 1, 1), entries };
}
