/**
 * What a digest is made from (DigestInput: rows the database gives for one period and the period
 * before it, already bounded: aggregates and top lists, never every item) and what it is (Digest:
 * plain JSON, stored as `digests.data` and served as is). Times in the output are ISO strings so
 * the stored JSON and the computed one are the same value.
 */

export const DIGEST_KINDS = ['daily', 'weekly', 'custom'] as const;
export type DigestKind = (typeof DIGEST_KINDS)[number];

export const WARNING_LEVELS = ['blue', 'yellow', 'orange', 'red'] as const;
export type WarningLevel = (typeof WARNING_LEVELS)[number];
/** A topic's level; 'none' below blue. */
export type TopicLevel = WarningLevel | 'none';

export const INCIDENT_STATUSES = ['new', 'assessing', 'handling', 'responded', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Item counts of one period (items by published time). */
export interface ItemTotals {
  items: number;
  /** Items with an analysis (the rest are not yet analysed and count in `items` only). */
  analyzed: number;
  policeRelated: number;
  policeNegative: number;
}

/** Items of one hour of the period; `at` is the hour's start, counted in whole hours from the period start. */
export interface HourlyRow {
  at: Date;
  items: number;
  policeRelated: number;
  policeNegative: number;
}

/** How many alert events of one type and level (topic warnings only) a period had. */
export interface AlertEventCountRow {
  period: 'current' | 'previous';
  type: string;
  level: WarningLevel;
  count: number;
}

/** A topic with items in the period: its figures for the period and its level history around it. */
export interface TopicInputRow {
  id: number;
  title: string;
  firstSource: string | null;
  /** The topic's stage as stored now (stages keep no history). */
  stage: string | null;
  /** Items of the topic published in the period (through its stories, which follow merges). */
  items: number;
  policeRelated: number;
  policeNegative: number;
  /** The level applied last before the period start / end (null: no applied change by then). */
  levelAtStart: TopicLevel | null;
  levelAtEnd: TopicLevel | null;
  /** Levels applied during the period. */
  levelsInPeriod: TopicLevel[];
  /** topics.level now, used only when the topic has no level history at all. */
  currentLevel: TopicLevel;
  hasLevelHistory: boolean;
  /** 上榜: the best rank its items' hot-list entries reached while on a list in the period, the lists, national or not. */
  hotList?: DigestHotList | null;
}

/** A topic's hot-list standing in a digest. */
export interface DigestHotList {
  bestRank: number;
  lists: string[];
  national: boolean;
}

/** Items of one top topic in one hour of the period. */
export interface TopicHourlyRow {
  topicId: number;
  at: Date;
  items: number;
}

/** The best-ranked items of a top topic (police-negative first, then most reposted, then earliest). */
export interface RepresentativeItemRow {
  id: number;
  topicId: number;
  /** 1 = the topic's best item. */
  rank: number;
  title: string | null;
  url: string;
  sourceName: string | null;
  publishedAt: Date;
  policeNegative: boolean;
  reposts: number;
}

/** An incident as it stood at the period end (its timeline read back to then). */
export interface IncidentRow {
  id: number;
  title: string;
  /** Level, status and due time at the period end. */
  level: WarningLevel;
  status: IncidentStatus;
  jurisdiction: string;
  ownerName: string | null;
  createdAt: Date;
  dueAt: Date;
  /** Closed list: its last close in the period; otherwise its close if closed at the period end. */
  closedAt: Date | null;
}

/** A list, cut to a few rows, and how many there were in all. */
export interface Counted<T> {
  count: number;
  rows: T[];
}

export interface NamedCount {
  name: string;
  items: number;
}

/** Where the period's police-related items happened (as counted, and as the digest shows them). */
export interface PlaceCounts {
  /** Police-related items of the period, with at least one place, with at least one jurisdiction hit. */
  policeRelated: number;
  withPlace: number;
  withJurisdiction: number;
  topPlaces: NamedCount[];
  topJurisdictions: NamedCount[];
}

/** The period's fetching in numbers (as counted, and as the digest shows them). */
export interface FetchCounts {
  enabledSources: number;
  fetches: number;
  fetchErrors: number;
  failingEvents: number;
  recoveredEvents: number;
}

export interface SourceActivityRow {
  sourceId: number | null;
  name: string;
  items: number;
}

export interface SourceErrorRow {
  sourceId: number;
  name: string;
  fetches: number;
  errors: number;
  lastError: string | null;
}

export interface FailingSourceRow {
  sourceId: number;
  name: string;
  /** When its latest health event before the period end (a 'failing' one) happened. */
  since: Date;
  consecutiveErrors: number;
  error: string | null;
}

/** Everything a digest is computed from. */
export interface DigestInput {
  kind: DigestKind;
  /** The period [from, to). */
  from: Date;
  to: Date;
  /** IANA zone the period is read in (labels, day buckets). */
  timeZone: string;
  generatedAt: Date;
  totals: { current: ItemTotals; previous: ItemTotals };
  /** Current period only; hours without items may be missing. */
  hourly: HourlyRow[];
  alertEvents: AlertEventCountRow[];
  /** Topics with items in the period: how many, and the top ones by heat. */
  topicCount: number;
  topics: TopicInputRow[];
  topicHourly: TopicHourlyRow[];
  representativeItems: RepresentativeItemRow[];
  incidents: {
    opened: Counted<IncidentRow>;
    closed: Counted<IncidentRow>;
    overdue: Counted<IncidentRow>;
    previousOpened: number;
    previousClosed: number;
  };
  places: PlaceCounts;
  sources: {
    /** Sources (or, for pushed items without one, source names) that brought items in the period. */
    activeCount: number;
    top: SourceActivityRow[];
  };
  sourceHealth: FetchCounts & {
    /** Sources whose latest health event before the period end says 'failing'. */
    failingAtEnd: Counted<FailingSourceRow>;
    /** Sources with fetch errors in the period, most errors first. */
    erroring: Counted<SourceErrorRow>;
  };
}

/** A figure against the previous period. */
export interface Figure {
  value: number;
  previous: number;
  change: number;
  /** Relative change (0.25 = +25 %); null when the previous value was 0. */
  changeRatio: number | null;
}

/** The share of police-negative items among police-related items. */
export interface ShareFigure {
  /** Ratio 0…1; null without police-related items. */
  value: number | null;
  previous: number | null;
  /** Change in percentage points; null when either side is null. */
  changePoints: number | null;
  numerator: 'policeNegative';
  denominator: 'policeRelated';
  definition: string;
}

export interface VolumeBucket {
  start: string;
  end: string;
  label: string;
  items: number;
  policeRelated: number;
  policeNegative: number;
}

export interface WarningLevelRow {
  level: WarningLevel;
  label: string;
  /** New warnings (alert events 'firing'). */
  opened: number;
  escalated: number;
  /** Warnings firing again after they had faded (次生, alert events 'reopened'). */
  reopened: number;
  resolved: number;
}

export interface WarningTotals {
  opened: number;
  escalated: number;
  reopened: number;
  resolved: number;
}

export interface DigestTopic {
  rank: number;
  id: number;
  title: string;
  /** Level at the end of the period, and the highest level it had during the period. */
  level: TopicLevel;
  levelLabel: string;
  peakLevel: TopicLevel;
  stage: string | null;
  firstSource: string | null;
  heat: number;
  items: number;
  policeRelated: number;
  policeNegative: number;
  /** On a hot list during the period (上榜), or null. */
  hotList: DigestHotList | null;
  /** Items per bucket of the period (the same buckets as `volume`). */
  series: number[];
}

/** An incident listed in a digest, as it stood at the period end. */
export interface DigestIncident {
  id: number;
  title: string;
  level: WarningLevel;
  levelLabel: string;
  status: IncidentStatus;
  statusLabel: string;
  jurisdiction: string;
  ownerName: string | null;
  createdAt: string;
  dueAt: string;
  closedAt: string | null;
  /** Minutes past the due time at the period end (overdue list only, else 0). */
  overdueMinutes: number;
}

export interface DigestItem {
  id: number;
  title: string;
  /** The original page, only when it is an http(s) address. */
  url: string | null;
  sourceName: string | null;
  publishedAt: string;
  topicId: number;
  topicTitle: string;
  policeNegative: boolean;
  reposts: number;
}

/** A digest: every figure of the period, ready to render or to serve as JSON. */
export interface Digest {
  version: 1;
  kind: DigestKind;
  title: string;
  period: { from: string; to: string; timeZone: string; label: string };
  previousPeriod: { from: string; to: string };
  generatedAt: string;
  headline: {
    items: Figure;
    policeRelated: Figure;
    policeNegative: Figure;
    negativeShare: ShareFigure;
    analyzed: number;
  };
  volume: { unit: 'hour' | 'day' | 'week'; buckets: VolumeBucket[] };
  warnings: { byLevel: WarningLevelRow[]; totals: WarningTotals; previousTotals: WarningTotals };
  topics: { count: number; heatDefinition: string; top: DigestTopic[] };
  incidents: {
    opened: { count: number; previous: number; list: DigestIncident[] };
    closed: { count: number; previous: number; list: DigestIncident[] };
    overdue: { count: number; definition: string; list: DigestIncident[] };
  };
  places: PlaceCounts;
  sources: { activeCount: number; totalItems: number; top: Array<SourceActivityRow & { share: number }>; otherItems: number };
  sourceHealth: FetchCounts & {
    failingAtEnd: { count: number; list: Array<{ sourceId: number; name: string; since: string; consecutiveErrors: number; error: string | null }> };
    erroring: { count: number; list: SourceErrorRow[] };
  };
  representativeItems: DigestItem[];
  /** How the figures are counted, in the words printed under the digest. */
  notes: string[];
}
