'use strict';
// The analysts' dashboard: logs in with HTTP Basic (kept in memory only, never stored), asks the
// analytics endpoints of this query side and draws them with ECharts. No figure is in the page.
(function () {
  const TEXT = {
    en: {
      title: 'CoverLedger analytics', username: 'Login', password: 'Password', signIn: 'Sign in',
      from: 'From', to: 'To', groupBy: 'Group by', month: 'Month', week: 'Week', day: 'Day', product: 'Product',
      allProducts: 'All products', HEALTH: 'Health', AUTO: 'Motor', LIFE: 'Life', PROPERTY: 'Property', ALL: 'All',
      apply: 'Show', csv: 'Download CSV', premiumChart: 'Premium written and earned',
      inForceChart: 'Policies in force, new business, lapses and cancellations',
      claimsChart: 'Claims reported, closed and loss ratio', cycleChart: 'Cycle times (hours)', adjustersChart: 'Adjusters',
      period: 'Period', premiumWritten: 'Premium written', premiumEarned: 'Premium earned', inForce: 'In force',
      newBusiness: 'New business', renewals: 'Renewals', lapses: 'Lapses', cancellations: 'Cancellations',
      renewalRate: 'Renewal rate', reported: 'Reported', closed: 'Closed', open: 'Open', paid: 'Paid',
      lossRatio: 'Loss ratio', approvalRatio: 'Approval ratio', firstActionP50: 'First action p50',
      decisionP50: 'Decision p50', decisionP90: 'Decision p90', decisionP99: 'Decision p99', paymentP50: 'Payment p50',
      slaBreached: 'SLA breached', adjuster: 'Adjuster', openClaims: 'Open claims', decisions: 'Decisions',
      averageCycleHours: 'Avg. hours to decision', aboveAuthorityShare: 'Above authority',
      badLogin: 'The login or password is wrong, or your role may not see analytics.', loading: 'Loading…',
      shown: 'As of', failed: 'The figures could not be loaded: '
    },
    'zh-CN': {
      title: 'CoverLedger 经营分析', username: '用户名', password: '密码', signIn: '登录',
      from: '起始日期', to: '截止日期', groupBy: '汇总周期', month: '按月', week: '按周', day: '按日', product: '险种',
      allProducts: '全部险种', HEALTH: '健康险', AUTO: '车险', LIFE: '寿险', PROPERTY: '财产险', ALL: '合计',
      apply: '查询', csv: '下载 CSV', premiumChart: '签单保费与已赚保费',
      inForceChart: '有效保单、新单、失效与退保', claimsChart: '报案、结案与赔付率', cycleChart: '理赔时效（小时）',
      adjustersChart: '理赔员', period: '期间', premiumWritten: '签单保费', premiumEarned: '已赚保费', inForce: '有效保单',
      newBusiness: '新单', renewals: '续保', lapses: '失效', cancellations: '退保', renewalRate: '续保率',
      reported: '报案', closed: '结案', open: '未结', paid: '已赔付', lossRatio: '赔付率', approvalRatio: '核赔通过率',
      firstActionP50: '首次处理 p50', decisionP50: '核赔决定 p50', decisionP90: '核赔决定 p90', decisionP99: '核赔决定 p99',
      paymentP50: '赔款支付 p50', slaBreached: '超时效', adjuster: '理赔员', openClaims: '在办案件', decisions: '核赔决定',
      averageCycleHours: '平均决定时长（小时）', aboveAuthorityShare: '超权限占比',
      badLogin: '用户名或密码错误，或您的角色无权查看分析数据。', loading: '加载中…', shown: '数据截至', failed: '数据加载失败：'
    }
  };
  const lang = TEXT[document.documentElement.lang] ? document.documentElement.lang : 'en';
  const t = key => TEXT[lang][key] || key;
  document.querySelectorAll('[data-i18n]').forEach(el => { el.textContent = t(el.dataset.i18n); });
  document.title = t('title');

  let authorization = null;
  const charts = {};
  const $ = id => document.getElementById(id);

  function query() {
    const params = new URLSearchParams();
    if ($('from').value) params.set('from', $('from').value);
    if ($('to').value) params.set('to', $('to').value);
    params.set('groupBy', $('groupBy').value);
    if ($('product').value) params.set('product', $('product').value);
    return params.toString();
  }

  async function get(report, accept) {
    const response = await fetch('/api/analytics/' + report + '?' + query(),
      { headers: { Authorization: authorization, Accept: accept || 'application/json' } });
    if (response.status === 401 || response.status === 403) {
      throw Object.assign(new Error(t('badLogin')), { login: true });
    }
    if (!response.ok) {
      let detail = response.status + '';
      try { const problem = await response.json(); detail = (problem.errors || []).map(e => e.field + ': ' + e.reason).join('; ') || problem.detail; } catch (e) { /* not JSON */ }
      throw new Error(detail);
    }
    return accept ? response.blob() : response.json();
  }

  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init($(id), null, { renderer: 'canvas' });
    return charts[id];
  }

  const selected = () => $('product').value || 'ALL';
  const rowsOf = report => report.rows.filter(r => r.product === selected());
  const num = v => v === null || v === undefined ? null : Number(v);
  const pct = v => v === null || v === undefined ? '' : (Number(v) * 100).toFixed(1) + '%';

  function table(id, columns, rows) {
    const el = $(id);
    el.replaceChildren();
    const head = el.createTHead().insertRow();
    columns.forEach(c => { const th = document.createElement('th'); th.textContent = t(c.label); head.appendChild(th); });
    const body = el.createTBody();
    rows.forEach(r => {
      const tr = body.insertRow();
      columns.forEach(c => { tr.insertCell().textContent = c.value(r); });
    });
  }

  function draw(portfolio, claims, cycles, adjusters) {
    const p = rowsOf(portfolio);
    const periods = p.map(r => r.period);
    chart('chart-premium').setOption({
      animation: false, tooltip: { trigger: 'axis' }, legend: {}, xAxis: { type: 'category', data: periods }, yAxis: { type: 'value' },
      series: [
        { name: t('premiumWritten'), type: 'bar', data: p.map(r => num(r.premiumWritten)) },
        { name: t('premiumEarned'), type: 'bar', data: p.map(r => num(r.premiumEarned)) }
      ]
    }, true);
    chart('chart-inforce').setOption({
      animation: false, tooltip: { trigger: 'axis' }, legend: {}, xAxis: { type: 'category', data: periods }, yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: t('inForce'), type: 'line', data: p.map(r => r.inForce) },
        { name: t('newBusiness'), type: 'bar', data: p.map(r => r.newBusiness) },
        { name: t('lapses'), type: 'bar', data: p.map(r => r.lapses) },
        { name: t('cancellations'), type: 'bar', data: p.map(r => r.cancellationsInCoolingOff + r.cancellationsAfterCoolingOff) }
      ]
    }, true);
    table('table-portfolio', [
      { label: 'period', value: r => r.period }, { label: 'product', value: r => t(r.product) },
      { label: 'newBusiness', value: r => r.newBusiness }, { label: 'renewals', value: r => r.renewals },
      { label: 'premiumWritten', value: r => r.premiumWritten }, { label: 'premiumEarned', value: r => r.premiumEarned },
      { label: 'inForce', value: r => r.inForce }, { label: 'lapses', value: r => r.lapses },
      { label: 'cancellations', value: r => r.cancellationsInCoolingOff + r.cancellationsAfterCoolingOff },
      { label: 'renewalRate', value: r => pct(r.renewalRate) }
    ], p);

    const c = rowsOf(claims);
    chart('chart-claims').setOption({
      animation: false, tooltip: { trigger: 'axis' }, legend: {}, xAxis: { type: 'category', data: c.map(r => r.period) },
      yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', axisLabel: { formatter: v => (v * 100).toFixed(0) + '%' } }],
      series: [
        { name: t('reported'), type: 'bar', data: c.map(r => r.reported) },
        { name: t('closed'), type: 'bar', data: c.map(r => r.closed) },
        { name: t('lossRatio'), type: 'line', yAxisIndex: 1, data: c.map(r => num(r.lossRatio)) }
      ]
    }, true);
    table('table-claims', [
      { label: 'period', value: r => r.period }, { label: 'product', value: r => t(r.product) },
      { label: 'reported', value: r => r.reported }, { label: 'closed', value: r => r.closed },
      { label: 'open', value: r => r.open }, { label: 'paid', value: r => r.paid },
      { label: 'lossRatio', value: r => pct(r.lossRatio) }, { label: 'approvalRatio', value: r => pct(r.approvalRatio) }
    ], c);

    const y = rowsOf(cycles);
    chart('chart-cycle').setOption({
      animation: false, tooltip: { trigger: 'axis' }, legend: {}, xAxis: { type: 'category', data: y.map(r => r.period) }, yAxis: { type: 'value' },
      series: [
        { name: t('firstActionP50'), type: 'bar', data: y.map(r => num(r.firstAction.p50Hours)) },
        { name: t('decisionP50'), type: 'bar', data: y.map(r => num(r.decision.p50Hours)) },
        { name: t('decisionP90'), type: 'bar', data: y.map(r => num(r.decision.p90Hours)) },
        { name: t('paymentP50'), type: 'bar', data: y.map(r => num(r.payment.p50Hours)) }
      ]
    }, true);
    table('table-cycle', [
      { label: 'period', value: r => r.period }, { label: 'product', value: r => t(r.product) },
      { label: 'firstActionP50', value: r => r.firstAction.p50Hours ?? '' },
      { label: 'decisionP50', value: r => r.decision.p50Hours ?? '' }, { label: 'decisionP90', value: r => r.decision.p90Hours ?? '' },
      { label: 'decisionP99', value: r => r.decision.p99Hours ?? '' }, { label: 'paymentP50', value: r => r.payment.p50Hours ?? '' },
      { label: 'slaBreached', value: r => r.slaBreached }
    ], y);

    const a = adjusters.rows;
    const names = [...new Set(a.map(r => r.adjuster))];
    const lastPeriod = a.length ? a[a.length - 1].period : null;
    chart('chart-adjusters').setOption({
      animation: false, tooltip: { trigger: 'axis' }, legend: {}, xAxis: { type: 'category', data: names }, yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: t('decisions'), type: 'bar', data: names.map(n => a.filter(r => r.adjuster === n).reduce((s, r) => s + r.decisions, 0)) },
        { name: t('openClaims'), type: 'bar', data: names.map(n => (a.find(r => r.adjuster === n && r.period === lastPeriod) || { openClaims: 0 }).openClaims) }
      ]
    }, true);
    table('table-adjusters', [
      { label: 'period', value: r => r.period }, { label: 'adjuster', value: r => r.adjuster },
      { label: 'openClaims', value: r => r.openClaims }, { label: 'decisions', value: r => r.decisions },
      { label: 'averageCycleHours', value: r => r.averageCycleHours ?? '' },
      { label: 'aboveAuthorityShare', value: r => pct(r.aboveAuthorityShare) }
    ], a);
  }

  async function load() {
    $('status').textContent = t('loading');
    document.body.dataset.state = 'loading';
    try {
      const [portfolio, claims, cycles, adjusters] = await Promise.all(
        ['portfolio', 'claims', 'cycle-times', 'adjusters'].map(r => get(r)));
      draw(portfolio, claims, cycles, adjusters);
      $('from').value = portfolio.from;
      $('to').value = portfolio.to;
      $('status').textContent = t('shown') + ' ' + new Date().toLocaleString(lang);
      document.body.dataset.state = 'drawn';
    } catch (e) {
      if (e.login) {
        $('board').hidden = true;
        $('login').hidden = false;
        $('login-error').textContent = e.message;
      } else {
        $('status').textContent = t('failed') + e.message;
      }
      document.body.dataset.state = 'failed';
    }
  }

  $('login').addEventListener('submit', event => {
    event.preventDefault();
    const name = $('username').value;
    authorization = 'Basic ' + btoa(String.fromCharCode(...new TextEncoder().encode(name + ':' + $('password').value)));
    $('password').value = '';
    $('login-error').textContent = '';
    $('login').hidden = true;
    $('board').hidden = false;
    $('who').textContent = name;
    load();
  });
  $('filters').addEventListener('submit', event => { event.preventDefault(); load(); });
  document.querySelectorAll('a.csv').forEach(link => link.addEventListener('click', async event => {
    event.preventDefault();
    try {
      const blob = await get(link.dataset.report, 'text/csv');
      const url = URL.createObjectURL(blob);
      const a = Object.assign(document.createElement('a'), { href: url, download: link.dataset.report + '.csv' });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      $('status').textContent = t('failed') + e.message;
    }
  }));
  window.addEventListener('resize', () => Object.values(charts).forEach(c => c.resize()));
}());
