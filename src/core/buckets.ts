import { Money } from "./money.js";

/**
 * The one mapping from account category to net worth bucket (docs/schema.md, defects 4, 6, 7).
 * The SQL function account_bucket() is the same table; a test holds the two equal.
 */

export const ACCOUNT_CATEGORIES = [
  "cash",
  "investment",
  "property",
  "vehicle",
  "precious_metal",
  "digital_asset",
  "other",
  "credit_card",
  "mortgage",
  "loan",
  "other_liability",
] as const;
export type AccountCategory = (typeof ACCOUNT_CATEGORIES)[number];

export type AssetBucket =
  | "cash"
  | "investments"
  | "property"
  | "vehicles"
  | "preciousMetals"
  | "digitalAssets"
  | "other";
export type LiabilityBucket = "creditCards" | "mortgages" | "loans" | "other";

export type Bucket =
  | { readonly side: "asset"; readonly bucket: AssetBucket }
  | { readonly side: "liability"; readonly bucket: LiabilityBucket };

export const CATEGORY_BUCKETS: Readonly<Record<AccountCategory, Bucket>> = {
  cash: { side: "asset", bucket: "cash" },
  investment: { side: "asset", bucket: "investments" },
  property: { side: "asset", bucket: "property" },
  vehicle: { side: "asset", bucket: "vehicles" },
  precious_metal: { side: "asset", bucket: "preciousMetals" },
  digital_asset: { side: "asset", bucket: "digitalAssets" },
  other: { side: "asset", bucket: "other" },
  credit_card: { side: "liability", bucket: "creditCards" },
  mortgage: { side: "liability", bucket: "mortgages" },
  loan: { side: "liability", bucket: "loans" },
  other_liability: { side: "liability", bucket: "other" },
};

/**
 * Where a balance counts (defect 7): a negative asset balance is owed money (liability
 * `other`), a negative liability balance is money held (asset `cash`); amounts become positive.
 */
export function bucketFor(category: AccountCategory, cents: bigint): Bucket & { cents: bigint } {
  const home = CATEGORY_BUCKETS[category];
  if (cents >= 0n) return { ...home, cents };
  return home.side === "asset"
    ? { side: "liability", bucket: "other", cents: -cents }
    : { side: "asset", bucket: "cash", cents: -cents };
}

/** The asset breakdown keys (defect 6), in the order of CATEGORY_BUCKETS; snapshots have all. */
export const ASSET_BUCKETS: readonly AssetBucket[] = [
  ...new Set(
    Object.values(CATEGORY_BUCKETS).flatMap((b) => (b.side === "asset" ? [b.bucket] : [])),
  ),
];
/** The liability breakdown keys (defect 6), likewise. */
export const LIABILITY_BUCKETS: readonly LiabilityBucket[] = [
  ...new Set(
    Object.values(CATEGORY_BUCKETS).flatMap((b) => (b.side === "liability" ? [b.bucket] : [])),
  ),
];

/**
 * What a person reads for each bucket, by side: the one table the report's breakdown and the
 * dashboard's both print (the JSON keys above are for machines).
 */
export const BUCKET_LABELS: {
  readonly asset: Readonly<Record<AssetBucket, string>>;
  readonly liability: Readonly<Record<LiabilityBucket, string>>;
} = {
  asset: {
    cash: "Cash",
    investments: "Investments",
    property: "Property",
    vehicles: "Vehicles",
    preciousMetals: "Metals",
    digitalAssets: "Crypto",
    other: "Other",
  },
  liability: {
    creditCards: "Credit cards",
    mortgages: "Mortgages",
    loans: "Loans",
    other: "Other",
  },
};

/** A bucket's label on its side. */
export function bucketLabel(side: "asset" | "liability", bucket: string): string {
  const labels: Readonly<Record<string, string>> = BUCKET_LABELS[side];
  return labels[bucket] ?? bucket;
}

/** Categories whose balance can meaningfully go below zero: an overdraft, a card in credit. */
export const NEGATIVE_OK: ReadonlySet<string> = new Set<AccountCategory>(["cash", "credit_card"]);

/** A net_worth_snapshots row; every amount an exact decimal string with two decimals. */
export interface SnapshotRow {
  id: string;
  userId: string;
  date: string;
  totalAssets: string;
  totalLiabilities: string;
  netWorth: string;
  assetBreakdown: Record<AssetBucket, string>;
  liabilityBreakdown: Record<LiabilityBucket, string>;
  createdAt: Date;
  /** The currency the amounts are in (the user's when the snapshot was computed). */
  currency?: string;
  /** Accounts left out for want of a rate, by pair ("EUR/USD": 2); null when none was. */
  leftOut?: Record<string, number> | null;
}

/** A snapshot's totals without its breakdowns: what a series over many days needs. */
export type SnapshotTotals = Omit<SnapshotRow, "assetBreakdown" | "liabilityBreakdown">;

/** The seed's NetWorthSnapshot model: every amount exact Money (a JSON number on output). */
export function snapshotModel(row: SnapshotRow) {
  // In the models' key order, not JSONB's.
  const money = <K extends string>(keys: readonly K[], breakdown: Record<K, string>) =>
    Object.fromEntries(keys.map((k) => [k, Money.fromDecimal(breakdown[k])])) as Record<K, Money>;
  return {
    id: row.id,
    userId: row.userId,
    date: row.date,
    totalAssets: Money.fromDecimal(row.totalAssets),
    totalLiabilities: Money.fromDecimal(row.totalLiabilities),
    netWorth: Money.fromDecimal(row.netWorth),
    assetBreakdown: money(ASSET_BUCKETS, row.assetBreakdown),
    liabilityBreakdown: money(LIABILITY_BUCKETS, row.liabilityBreakdown),
    createdAt: row.createdAt,
  };
}

/** A snapshot as the report and `snapshot --json` give it. */
export type SnapshotModel = ReturnType<typeof snapshotModel>;
