/**
 * BM25 on PostgreSQL, the function SQLite's FTS5 bm25() computes (storage/sqlite/bm25.ts): per
 * query part i (a word, a prefix, or a quoted phrase), idf_i * f_i * (k1 + 1) / (f_i + k1 * (1 - b + b * D / avgD)),
 * f_i the part's count in the chunk weighted by field (title 2, heading path 0.5, body 1), D the
 * chunk's length in words, idf_i = log((N - df_i + 0.5) / (df_i + 0.5)) (1e-6 where not positive),
 * k1 1.2, b 0.75. The counts come from lore_terms (a chunk's stems with their weighted counts,
 * written with the chunk), the totals from the project's documents. Words are the English stems
 * PostgreSQL's tsvector holds (Snowball English; SQLite's FTS5 uses Porter: nearly the same stems),
 * stopwords left out. User text never reaches SQL: the query is one JSON parameter of its words.
 */
import { B, FIELD_WEIGHTS, K1 } from '../../search/bm25Params';

const WORD = /[\p{L}\p{N}_]+/gu;

/** A chunk's length in words (all of them, as FTS5's unicode61 tokenizer counts), as SQL over its three fields. */
export function tokensSql(title: string, heading: string, text: string): string {
  const words = `btrim(regexp_replace(${title} || ' ' || ${heading} || ' ' || ${text}, '[^[:alnum:]]+', ' ', 'g'))`;
  return `CASE WHEN ${words} = '' THEN 0 ELSE array_length(regexp_split_to_array(${words}, ' '), 1) END`;
}

/** Writes the terms of document $2's chunks (their tsvector's stems, weighted by field) for project $1. */
export const WRITE_TERMS_SQL = `INSERT INTO lore_terms (project_id, term, chunk_id, document_id, tf, dl)
  SELECT $1, l.lexeme, c.id, c.document_id, sum(CASE w WHEN 'A' THEN ${FIELD_WEIGHTS.title} WHEN 'B' THEN ${FIELD_WEIGHTS.heading} ELSE ${FIELD_WEIGHTS.body} END), c.tokens
  FROM chunks c CROSS JOIN LATERAL unnest(c.search) l CROSS JOIN LATERAL unnest(l.weights) w
  WHERE c.document_id = $2 GROUP BY l.lexeme, c.id`;

/** One word of the query: its part, its place in the part, whether it is a prefix, and the part's phrase (a tsquery) when it has several words. */
interface QueryWord {
  w: string;
  p: number;
  i: number;
  x: boolean;
  ph: string | null;
}

/** The query's parts as the JSON parameter of bm25Ctes (undefined: no word to search for). */
export function bm25Query(parts: string[]): string | undefined {
  const out: QueryWord[] = [];
  parts.forEach((part, p) => {
    const words = part.toLowerCase().match(WORD) ?? [];
    const prefix = part.endsWith('*');
    const phrase = words.length > 1 ? words.map((w, i) => (prefix && i === words.length - 1 ? `${w}:*` : w)).join(' <-> ') : null;
    words.forEach((w, i) => out.push({ w, p, i, x: prefix && i === words.length - 1, ph: phrase }));
  });
  return out.length ? JSON.stringify(out) : undefined;
}

/** The terms a query word reaches in lore_terms (alias t): itself, or those it begins when it is a prefix. */
const TERM_RANGE = (q: string) =>
  `t.term >= ${q}.term COLLATE "C" AND t.term <= (CASE WHEN ${q}.prefix THEN ${q}.term || chr(1114111) ELSE ${q}.term END) COLLATE "C"`;
/** A phrase whose rarest word has fewer matches than this is read from that word's chunks. */
const PHRASE_CAP = 20_000;

/**
 * The CTEs `kwstats` (chunks and their average length), `kwq` (the query's stems, the commonest left out), `kwword` (each word's weighted count per chunk),
 * `kwpost` (each part's count per chunk: a phrase's is its rarest word's, where the phrase stands), `kwdf`, `kwstats`, and `kwscore` (chunk_id, doc, score: each chunk's BM25 score),
 * all from lore_terms alone. $1 is the project, $2 the JSON of bm25Query.
 */
export const BM25_CTES = `kwstats AS MATERIALIZED (SELECT greatest(sum(chunk_count), 1)::float8 AS n, greatest(sum(tokens)::float8 / greatest(sum(chunk_count), 1), 1) AS avgdl FROM document_index WHERE project_id = $1),
  kwstem AS MATERIALIZED (
    SELECT e.p AS part, e.i AS idx, e.x AS prefix, e.ph AS phrase, t.term
    FROM jsonb_to_recordset($2::jsonb) AS e(w text, p int, i int, x bool, ph text)
    CROSS JOIN LATERAL (SELECT l.lexeme AS term FROM unnest(to_tsvector('lore_english', e.w)) l WHERE NOT e.x
                        UNION ALL SELECT e.w WHERE e.x) t
  ),
  -- A word in half the chunks or more adds nothing (its IDF is FTS5's floor, 1e-6) and costs the
  -- most to read: left out, unless every word of the query is one (counted only up to that half),
  -- in a project of 1,000 chunks or more (below that every word is cheap, and such a word's
  -- matches are a real share of what there is to find).
  kwcommon AS MATERIALIZED (
    SELECT q.*, (NOT q.prefix AND q.phrase IS NULL AND (SELECT n FROM kwstats) >= 1000 AND (SELECT count(*) FROM (SELECT 1 FROM lore_terms t
        WHERE t.project_id = $1 AND t.term = q.term COLLATE "C" LIMIT (SELECT ceil(n / 2)::bigint FROM kwstats)) c) >= (SELECT ceil(n / 2) FROM kwstats)) AS common
    FROM kwstem q
  ),
  kwq AS MATERIALIZED (SELECT * FROM kwcommon WHERE NOT common OR (SELECT bool_and(common) FROM kwcommon)),
  -- A phrase is read from its rarest word: that word's matches, and the other words looked up in
  -- those chunks only (each word's matches counted up to PHRASE_CAP to find it; when even the rarest
  -- has that many, every word is read in full). "of remonsormi auth" read every chunk with "of".
  kwpdf AS MATERIALIZED (
    SELECT q.part, q.idx, (SELECT count(*) FROM (SELECT 1 FROM lore_terms t WHERE t.project_id = $1 AND ${TERM_RANGE('q')} LIMIT ${PHRASE_CAP}) c) AS df
    FROM kwq q WHERE q.phrase IS NOT NULL
  ),
  kwrare AS MATERIALIZED (
    SELECT DISTINCT ON (part) part, idx, df FROM (SELECT part, idx, sum(df) AS df FROM kwpdf GROUP BY part, idx) x
    WHERE df < ${PHRASE_CAP} ORDER BY part, df, idx
  ),
  -- The rarest word's weighted count per chunk, read once: its rows in kwword, and the chunks the other words are looked up in.
  kwrarepost AS MATERIALIZED (
    SELECT r.part, r.idx, min(q.phrase) AS phrase, t.chunk_id, min(t.document_id) AS doc, min(t.dl) AS dl, sum(t.tf) AS f
    FROM kwrare r JOIN kwq q ON q.part = r.part AND q.idx = r.idx
    JOIN lore_terms t ON t.project_id = $1 AND ${TERM_RANGE('q')}
    GROUP BY r.part, r.idx, t.chunk_id
  ),
  kwword AS (
    SELECT q.part, q.idx, min(q.phrase) AS phrase, lt.chunk_id, min(lt.document_id) AS doc, min(lt.dl) AS dl, sum(lt.tf) AS f
    FROM kwq q CROSS JOIN LATERAL (
      SELECT t.chunk_id, t.document_id, t.dl, t.tf FROM lore_terms t WHERE t.project_id = $1 AND ${TERM_RANGE('q')}
    ) lt
    WHERE q.part NOT IN (SELECT part FROM kwrare)
    GROUP BY q.part, q.idx, lt.chunk_id
    UNION ALL
    SELECT part, idx, phrase, chunk_id, doc, dl, f FROM kwrarepost
    UNION ALL
    SELECT q.part, q.idx, min(q.phrase) AS phrase, lt.chunk_id, min(lt.document_id) AS doc, min(lt.dl) AS dl, sum(lt.tf) AS f
    FROM kwrarepost rc JOIN kwq q ON q.part = rc.part AND q.idx != rc.idx CROSS JOIN LATERAL (
      -- A lookup per chunk (the primary key: project, term, chunk), not a join over the whole table
      -- (the planner cannot count the CTE's rows): a word by equality, a prefix by its range.
      SELECT t.chunk_id, t.document_id, t.dl, t.tf FROM lore_terms t
      WHERE NOT q.prefix AND t.project_id = $1 AND t.term = q.term COLLATE "C" AND t.chunk_id = rc.chunk_id
      UNION ALL
      SELECT t.chunk_id, t.document_id, t.dl, t.tf FROM lore_terms t
      WHERE q.prefix AND t.project_id = $1 AND ${TERM_RANGE('q')} AND t.chunk_id = rc.chunk_id
      OFFSET 0
    ) lt
    GROUP BY q.part, q.idx, lt.chunk_id
  ),
  kwpart AS (
    SELECT part, chunk_id, min(doc) AS doc, min(dl) AS dl, min(f) AS f, count(*) AS words, min(phrase) AS phrase FROM kwword GROUP BY part, chunk_id
  ),
  kwwords AS MATERIALIZED (SELECT part, count(DISTINCT idx) AS n FROM kwq GROUP BY part),
  -- A phrase is looked for (in the chunk's positions) only where all of its words are: a phrase
  -- with a common word ("of", "the") was checked in every chunk holding that word (1.5 s at 100K chunks).
  -- (CASE: the cheap test first, whatever order the planner likes.)
  kwpost AS (
    SELECT w.part, w.chunk_id, w.doc, w.dl, w.f FROM kwpart w
    WHERE CASE WHEN w.phrase IS NULL THEN true
               WHEN w.words < (SELECT n FROM kwwords k WHERE k.part = w.part) THEN false
               ELSE EXISTS (SELECT 1 FROM chunks pc WHERE pc.id = w.chunk_id AND pc.search @@ to_tsquery('lore_english', w.phrase)) END
  ),
  kwdf AS (SELECT part, count(*)::float8 AS df FROM kwpost GROUP BY part),
  kwscore AS (
    SELECT p.chunk_id, min(p.doc) AS doc, sum(greatest(ln((s.n - df.df + 0.5) / (df.df + 0.5)), 1e-6)
             * p.f * ${K1 + 1}::float8 / (p.f + ${K1}::float8 * (${1 - B}::float8 + ${B}::float8 * p.dl / s.avgdl)))::float8 AS score
    FROM kwpost p JOIN kwdf df USING (part), kwstats s
    GROUP BY p.chunk_id
  )`;
