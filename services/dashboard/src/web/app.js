// The dashboard page: reads the JSON API with the token from the link (#token=…, kept in this tab's
// sessionStorage and removed from the address bar) and renders with textContent only — data never
// becomes markup.
/* global Chart, document, window, sessionStorage, fetch, history, location */
'use strict';

const REFRESH_MS = 10_000;
const TOKEN_KEY = 'mailfleet-dashboard-token';
const charts = {};

function takeTokenFromLink() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

async function api(path) {
  const res = await fetch(path, {
    headers: { authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}` },
  });
  const body = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  if (res.status === 401) showTokenPanel();
  return { status: res.status, body };
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    if (c instanceof window.Node) td.appendChild(c);
    else td.textContent = c === null || c === undefined ? '—' : String(c);
    tr.appendChild(td);
  }
  return tr;
}

function fill(id, rows, emptyText) {
  const body = document.getElementById(id);
  body.replaceChildren(...rows);
  if (rows.length === 0) body.appendChild(row([emptyText]));
}

const time = (ms) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '—');
const statusBadge = (s) => el('span', s, `status status-${s}`);

function mailLink(mailId) {
  const a = el('a', mailId, 'mono');
  a.href = `#mail=${encodeURIComponent(mailId)}`;
  a.addEventListener('click', (e) => {
    e.preventDefault();
    void showMail(mailId);
  });
  return a;
}

function showTokenPanel() {
  document.getElementById('token-panel').hidden = false;
}

function showFreshness(dataAsOf) {
  if (!dataAsOf) return;
  const when = dataAsOf.recordTime
    ? dataAsOf.recordTime.replace('T', ' ').slice(0, 19) + ' UTC'
    : 'no records yet';
  document.getElementById('freshness').textContent = `projections v${dataAsOf.version} · data as of ${when}`;
}

async function search(q) {
  const error = document.getElementById('search-error');
  const results = document.getElementById('search-results');
  error.hidden = true;
  results.replaceChildren();
  const { status, body } = await api(`/api/search?q=${encodeURIComponent(q)}`);
  if (status !== 200) {
    error.textContent = body.error;
    error.hidden = false;
    return;
  }
  showFreshness(body.dataAsOf);
  const { mails, orders, recipients } = body.data;
  for (const o of orders) {
    results.appendChild(el('p', `Order ${o.orderId}: ${o.status}, ${o.mails.length} mail(s) due`));
  }
  for (const r of recipients) {
    results.appendChild(el('p', `Recipient ${r.email}: ${r.total} mail(s)`));
    for (const m of r.mails) {
      const p = el('p');
      p.append(mailLink(m.mailId), ' ', statusBadge(m.status));
      results.appendChild(p);
    }
  }
  for (const m of mails) {
    const p = el('p');
    p.append(mailLink(m.mailId), ' ', statusBadge(m.status), ` ${m.email ?? ''}`);
    results.appendChild(p);
  }
  if (mails.length + orders.length + recipients.length === 0) {
    results.appendChild(el('p', `Nothing found for "${q}" (yet — see "data as of" above).`, 'muted'));
  }
  if (mails.length === 1 && orders.length === 0) await showMail(mails[0].mailId);
}

async function showMail(mailId) {
  const { status, body } = await api(`/api/mails/${encodeURIComponent(mailId)}`);
  const panel = document.getElementById('mail-panel');
  if (status !== 200) {
    document.getElementById('search-error').textContent = body.error;
    document.getElementById('search-error').hidden = false;
    return;
  }
  const m = body.data;
  panel.hidden = false;
  document.getElementById('mail-id').textContent = m.mailId;
  const facts = document.getElementById('mail-facts');
  facts.replaceChildren();
  const fact = (name, value, mono) => {
    facts.appendChild(el('dt', name));
    const dd = el('dd');
    if (value instanceof window.Node) dd.appendChild(value);
    else dd.appendChild(el('span', value ?? '—', mono ? 'mono' : undefined));
    facts.appendChild(dd);
  };
  fact('status', statusBadge(m.status));
  fact('template', m.templateId);
  fact('order', m.orderId, true);
  fact('recipient', m.email);
  fact('correlation id', m.correlationId, true);
  fact('SMTP Message-ID', m.messageId, true);
  fact('attempts', m.attempts);
  fact('last error', m.lastError);
  if (m.priority && m.priority !== 'NORMAL') fact('priority', m.priority);
  if (m.notBefore) fact('held until (quiet hours)', time(m.notBefore));
  if (m.digest) {
    fact('digest window', `${time(m.digest.windowStart)} – ${time(m.digest.windowEnd)}`);
    fact('digest of', m.digest.members.join(', '), true);
  }
  const requested = m.timeline.find((t) => t.type === 'requested');
  fact('outbox record / MailRequested event', requested ? requested.eventId : null, true);
  fact('data as of', `${m.asOf.topic}[${m.asOf.partition}]@${m.asOf.offset}`, true);
  fill(
    'timeline',
    m.timeline.map((t) =>
      row([
        time(t.at),
        statusBadge(t.type),
        t.attempt,
        t.reason,
        el('span', t.eventId, 'mono'),
        el('span', `${t.topic}[${t.partition}]@${t.offset}`, 'mono'),
      ]),
    ),
    'no events yet',
  );
  panel.scrollIntoView({ behavior: 'smooth', block: 'start' });
}

function drawChart(id, labels, datasets, stacked) {
  if (!window.Chart) return;
  if (charts[id]) {
    charts[id].data.labels = labels;
    charts[id].data.datasets = datasets;
    charts[id].update('none');
    return;
  }
  charts[id] = new Chart(document.getElementById(id), {
    type: 'bar',
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: true,
      scales: { x: { stacked }, y: { stacked, beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}

/** Ops commands, one per line (the dashboard only shows them; acting is the CLI's job). */
function commands(...lines) {
  const cell = el('span');
  for (const line of lines) cell.append(el('code', line), el('br'));
  return cell;
}

async function refresh() {
  const [stats, pipeline, failures, deadLetters] = await Promise.all([
    api('/api/stats?days=14'),
    api('/api/pipeline'),
    api('/api/failures?limit=20'),
    api('/api/dead-letters?limit=20'),
  ]);
  if (stats.status === 200) {
    showFreshness(stats.body.dataAsOf);
    const days = stats.body.data.days;
    const labels = days.map((d) => d.day.slice(5));
    drawChart(
      'throughput-chart',
      labels,
      [
        { label: 'requested', data: days.map((d) => d.requested), backgroundColor: '#93c5fd' },
        { label: 'sent', data: days.map((d) => d.sent), backgroundColor: '#34d399' },
      ],
      false,
    );
    drawChart(
      'failure-chart',
      labels,
      [
        { label: 'retries', data: days.map((d) => d.retries), backgroundColor: '#fcd34d' },
        { label: 'failed', data: days.map((d) => d.failed), backgroundColor: '#f87171' },
        { label: 'dead-lettered', data: days.map((d) => d.dead), backgroundColor: '#b91c1c' },
        { label: 'bounced', data: days.map((d) => d.bounced), backgroundColor: '#a78bfa' },
      ],
      true,
    );
  }
  const health = pipeline.status === 200 ? pipeline.body.data : null;
  if (health) {
    fill(
      'lag',
      health.lag.map((l) =>
        row([l.group, l.topic, l.partition, el('span', l.lag, l.lag > 1000 ? 'lag-high' : '')]),
      ),
      'no consumer groups measured',
    );
    fill(
      'dlq',
      health.dlq.map((d) => row([d.topic, el('span', d.records, d.records > 0 ? 'lag-high' : '')])),
      '—',
    );
    fill(
      'outbox',
      health.outbox.map((o) =>
        row([
          o.database,
          o.pending,
          o.oldestPendingAgeMs === null ? '—' : `${Math.round(o.oldestPendingAgeMs / 1000)} s`,
        ]),
      ),
      '—',
    );
    document.getElementById('health-time').textContent = `measured ${time(health.measuredAt)} UTC${
      health.errors.length ? ' · ' + health.errors.join('; ') : ''
    }`;
  }
  if (failures.status === 200) {
    fill(
      'failures',
      failures.body.data.map((m) =>
        row([mailLink(m.mailId), statusBadge(m.status), m.email, m.lastError, time(m.updatedAt)]),
      ),
      'no failures',
    );
  }
  if (deadLetters.status === 200) {
    fill(
      'dead-letters',
      deadLetters.body.data.map((d) =>
        row([
          el('span', d.id, 'mono'),
          d.group,
          d.errorCode,
          d.reason,
          time(d.deadLetteredAt),
          commands(d.show, d.redrive),
        ]),
      ),
      'no dead letters',
    );
  }
}

function start() {
  document.getElementById('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById('token-input').value.trim());
    document.getElementById('token-panel').hidden = true;
    void refresh();
  });
  document.getElementById('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = document.getElementById('search').value.trim();
    if (q) void search(q);
  });
  if (!takeTokenFromLink()) showTokenPanel();
  void refresh();
  window.setInterval(() => void refresh(), REFRESH_MS);
}

document.addEventListener('DOMContentLoaded', start);
