/**
 * The demo's bundled stream, written by the yuqing team for newcomers (invented places, people and
 * posts; nothing from any dataset): about two minutes of a city's day as three sources see it —
 *   - 示例市新闻: ordinary local news, two items about the police doing their job;
 *   - 示例微博: a post accusing two officers of pinning down an old man, then reposts with their
 *     own words, angrier as it spreads (a police-negative cascade);
 *   - 热搜榜（模拟）: a national hot list on which the incident enters and climbs.
 * Each entry has an offset in seconds from the start of the demo; a feed shows what is published.
 */

export interface DemoPost {
  /** Seconds after the demo starts. */
  at: number;
  title: string;
  text: string;
  author: string;
}

export interface DemoHotListSnapshot {
  at: number;
  /** Titles from rank 1 down. */
  titles: string[];
}

export const DEMO_PLACE = '示例市城南区';

export const NEWS: readonly DemoPost[] = [
  { at: 0, author: '示例市新闻', title: '示例市明日多云转小雨，气温回落', text: '市气象台预计，明天白天多云转小雨，最高气温 12℃，请市民出行携带雨具。' },
  { at: 6, author: '示例市新闻', title: '城南区新开一家社区图书馆', text: '城南区青石街道社区图书馆今天开放，藏书两万册，周末延长开放至晚上九点。' },
  { at: 14, author: '示例市新闻', title: '地铁3号线周末延长运营一小时', text: '为方便市民周末出行，地铁3号线本周六、周日末班车推迟一小时。' },
  { at: 22, author: '示例市新闻', title: '城南区交警提醒：雨天路滑注意慢行', text: '城南区交警大队提醒驾驶人，雨天路面湿滑，请降低车速、保持车距。' },
  { at: 31, author: '示例市新闻', title: '市民公园捡到钱包，交给巡逻民警后物归原主', text: '昨天下午，市民在滨河公园捡到一个钱包，交给巡逻民警，民警通过证件联系到失主，钱包物归原主。' },
  { at: 40, author: '示例市新闻', title: '示例市举办冬季长跑比赛', text: '本周日，示例市冬季长跑比赛在滨河路举行，约三千名跑者参加。' },
  { at: 52, author: '示例市新闻', title: '城南区老旧小区改造启动第二批', text: '城南区第二批十二个老旧小区改造项目启动，预计明年六月完工。' },
  { at: 63, author: '示例市新闻', title: '示例市中小学下周开始期末考试', text: '市教育局公布，全市中小学期末考试将于下周三开始。' },
  { at: 75, author: '示例市新闻', title: '滨河路夜市本周恢复营业', text: '滨河路夜市完成改造，本周五恢复营业，新增摊位八十个。' },
  { at: 88, author: '示例市新闻', title: '示例市新增三条公交线路', text: '下月起，示例市新增三条公交线路，连接城南区与高铁站。' },
  { at: 101, author: '示例市新闻', title: '城南区开展冬季消防安全检查', text: '城南区消防救援大队对辖区商场、市场开展冬季消防安全检查。' },
  { at: 115, author: '示例市新闻', title: '示例市博物馆推出新春特展', text: '示例市博物馆新春特展下周开幕，展出馆藏年画一百余件。' },
];

/** The post the cascade starts from. */
export const ROOT: DemoPost = {
  at: 10,
  author: '城南街坊小刘',
  title: '城南派出所民警把老人按在地上',
  text:
    '【求助扩散】昨晚在示例市城南区步行街，一位摆摊的老人因为摊位纠纷报了警，赶来的两名民警没问清情况就把老人按在地上，老人一直喊疼。' +
    '家属今天去城南派出所要说法，只得到一句“等通知”，到现在没人回应，视频也被要求删掉。警察就是这样为人民服务的？',
};

// What reposters say in their own words (before the post they quote), most of them against the police.
const REACTIONS = [
  '太过分了，老人家有什么错？必须严查涉事民警！',
  '派出所一句等通知就完了？给个说法！',
  '视频我看了，真的寒心',
  '这就是所谓的执法？',
  '转发扩散，希望城南公安尽快回应',
  '又是等通知，等到热度过去是吧',
  '公开执法记录仪视频！',
  '不信他们会给交代',
  '这样的民警还配穿警服吗',
  '删视频算什么？心虚了？',
  '希望官方尽快调查清楚',
  '老人家太可怜了',
  '城南派出所出来说句话',
  '报警的人反被按倒，以后谁还敢报警',
  '严惩涉事民警，还老人一个公道',
  '帮转',
  '这种事一定要曝光',
  '警察不作为还乱作为',
  '@城南公安 请回应',
  '家属要坚持维权',
  '等官方通报吧',
  '看得我很生气，必须问责',
  '谁来管管这些人',
  '为什么要删视频？',
  '心寒，这还是人民警察吗',
  '扩散！',
  '希望不要不了了之',
  '支持家属',
  '这件事必须彻查',
  '要个说法！',
];

/** The reposts: one every three seconds or so from 20 s on, each quoting the post. */
export const REPOSTS: readonly DemoPost[] = REACTIONS.map((words, i) => ({
  at: 20 + Math.round(i * 3.1),
  author: `网友${String.fromCharCode(0x7532 + (i % 10))}${i + 1}`,
  title: words,
  text: `${words} //@${ROOT.author}：${ROOT.text}`,
}));

const ORDINARY_TOPICS = ['冬至吃饺子还是汤圆', '某歌手新专辑上线', '多地迎来今冬首场雪', '年终奖你拿到了吗', '一只猫咪的冬日日常', '某球队逆转夺冠', '新款手机发布', '寒假出游攻略', '网友晒家乡美食', '周末看什么电影'];
const INCIDENT_ENTRY = '城南区民警按倒摆摊老人，家属质疑派出所不作为';

/** The hot list as it stands at each refresh: the incident enters at 9th and climbs to 3rd. */
export const HOT_LIST: readonly DemoHotListSnapshot[] = [
  { at: 0, titles: ORDINARY_TOPICS },
  { at: 55, titles: [...ORDINARY_TOPICS.slice(0, 8), INCIDENT_ENTRY, ORDINARY_TOPICS[8] as string] },
  { at: 80, titles: [...ORDINARY_TOPICS.slice(0, 5), INCIDENT_ENTRY, ...ORDINARY_TOPICS.slice(5, 9)] },
  { at: 100, titles: [...ORDINARY_TOPICS.slice(0, 2), INCIDENT_ENTRY, ...ORDINARY_TOPICS.slice(2, 9)] },
];

/** How long the stream runs, in seconds (its last entry). */
export const DEMO_SECONDS = Math.max(...NEWS.map((n) => n.at), ...REPOSTS.map((r) => r.at), ...HOT_LIST.map((h) => h.at));
