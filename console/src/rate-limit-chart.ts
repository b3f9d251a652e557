import { api, ApiError, message } from './api.ts';
import { h, s, fill, uid } from './dom.ts';
import type { Owner } from './owners.ts';
import type { RateLimitView } from './types.ts';
import { ownerPath } from './types.ts';

const HISTORY = 60;
const BAR_WIDTH = 1000;
const SPARK_WIDTH = 600;
const SPARK_HEIGHT = 60;

type Segment = { label: string; capacity: number; use: number; colour: string };

function segments(view: RateLimitView): Segment[] {
  const keys = view.keys.filter((key) => key.reserved_rate_limit > 0);
  const listed = keys.reduce((sum, key) => sum + key.reserved_rate_limit, 0);
  const result: Segment[] = keys.map((key, index) => ({
    label: key.name,
    capacity: key.reserved_rate_limit,
    use: key.usage?.reserved ?? 0,
    colour: `c${index % 8}`,
  }));
  // reservations of keys beyond the page the API returned
  if (view.reserved > listed)
    result.push({ label: 'Other reservations', capacity: view.reserved - listed, use: 0, colour: 'other' });
  result.push({
    label: 'Shared pool',
    capacity: view.shared_pool,
    use: view.usage?.shared_pool ?? 0,
    colour: 'shared',
  });
  return result;
}

function bar(view: RateLimitView, parts: Segment[]): SVGSVGElement {
  const scale = BAR_WIDTH / Math.max(1, view.rate_limit);
  let x = 0;
  const rects = parts.flatMap((part) => {
    const width = part.capacity * scale;
    const used = Math.min(1, part.capacity ? part.use / part.capacity : 0) * width;
    const drawn = [
      s('rect', { x, y: 0, width, height: 40, class: `seg ${part.colour}` }),
      s('rect', { x, y: 26, width: used, height: 14, class: 'use' }),
      s('line', { x1: x + width, x2: x + width, y1: 0, y2: 40, class: 'sep' }),
    ];
    x += width;
    return drawn;
  });
  return s(
    'svg',
    { viewBox: `0 0 ${BAR_WIDTH} 40`, preserveAspectRatio: 'none', class: 'bar', 'aria-hidden': 'true' },
    rects,
  );
}

function sparkline(history: number[], limit: number): SVGSVGElement {
  const top = Math.max(1, limit);
  const step = SPARK_WIDTH / (HISTORY - 1);
  const offset = HISTORY - history.length;
  const points = history
    .map(
      (value, i) =>
        `${((offset + i) * step).toFixed(1)},${(SPARK_HEIGHT - (Math.min(value, top) / top) * (SPARK_HEIGHT - 2)).toFixed(1)}`,
    )
    .join(' ');
  return s(
    'svg',
    {
      viewBox: `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`,
      preserveAspectRatio: 'none',
      class: 'spark',
      'aria-hidden': 'true',
    },
    s('line', { x1: 0, x2: SPARK_WIDTH, y1: 1, y2: 1, class: 'limit' }),
    history.length > 1 && s('polyline', { points, class: 'line' }),
  );
}

/**
 * The owner's limit as one stacked bar: each key's reservation, then the shared pool, each with its
 * live use (requests in the current second) drawn inside it; below, the total use over the last
 * minute. Polled every second while the page is open; the legend says it all in words.
 */
export function rateLimitChart(owner: Owner, signal: AbortSignal): HTMLElement {
  const captionId = uid('rl-caption');
  const caption = h('figcaption', { id: captionId }, 'Rate limit: loading…');
  const body = h('div', { class: 'chart-body' });
  const problem = h('p', { class: 'chart-note' });
  const figure = h('figure', { class: 'chart', 'aria-labelledby': captionId }, caption, body, problem);
  const history: number[] = [];

  async function refresh() {
    if (document.hidden) return;
    try {
      const { data: view } = await api.get<RateLimitView>(`${ownerPath(owner)}/rate-limit?page[limit]=100`);
      if (signal.aborted) return;
      const parts = segments(view);
      const total = parts.reduce((sum, part) => sum + part.use, 0);
      history.push(total);
      if (history.length > HISTORY) history.shift();
      caption.textContent = `Rate limit: ${view.rate_limit} requests per second, ${view.reserved} reserved, ${view.shared_pool} in the shared pool`;
      fill(
        body,
        bar(view, parts),
        h(
          'ul',
          { class: 'legend' },
          parts.map((part) =>
            h(
              'li',
              {},
              h('span', { class: `swatch ${part.colour}`, 'aria-hidden': 'true' }),
              `${part.label}: ${part.capacity} per second, ${part.use} in use`,
            ),
          ),
        ),
        h('p', { class: 'spark-label' }, `Requests per second, last minute (now ${total}):`),
        sparkline(history, view.rate_limit),
      );
      problem.textContent =
        view.shared_pool === 0
          ? 'The shared pool is empty: keys without a reservation will be throttled.'
          : '';
    } catch (error) {
      // a role without the rate-limit view (a key-management delegate): no chart at all
      if (error instanceof ApiError && error.status === 403) {
        clearInterval(timer);
        figure.remove();
      } else if (!signal.aborted) problem.textContent = `Could not refresh: ${message(error)}`;
    }
  }

  void refresh();
  const timer = setInterval(() => void refresh(), 1000);
  signal.addEventListener('abort', () => clearInterval(timer));
  return figure;
}
