// skolstat dashboards: the one same-origin script. It draws every chart from the JSON data block
// beside it (options built by go-echarts on the server) and makes tables sortable.
(function () {
  'use strict';

  var lang = (document.documentElement.getAttribute('lang') || 'sv').toLowerCase();
  var locale = lang === 'en' ? 'EN' : 'SV';
  var instances = [];

  // Numbers in the page's language: Swedish "1 234,5" and "12,5 %" (a no-break space before
  // the percent sign and between thousands), English "1,234.5" and "12.5%". The server sends
  // shares already scaled to 0–100 and says so in the option's format hint.
  var numberFormat = new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'sv-SE', { maximumFractionDigits: 1 });
  var percentSuffix = lang === 'en' ? '%' : '\u00a0%';

  // formatValue returns a figure as text, or null when v is not a number (a hidden figure).
  function formatValue(v, percent) {
    if (typeof v === 'string' && v !== '' && v !== '-') {
      v = Number(v);
    }
    if (typeof v !== 'number' || !isFinite(v)) {
      return null;
    }
    var s = numberFormat.format(v);
    return percent ? s + percentSuffix : s;
  }

  function escapeHTML(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function asList(x) {
    if (!x) {
      return [];
    }
    return Array.isArray(x) ? x : [x];
  }

  // localize applies the page language's number format to the value axes, the series labels
  // and the tooltip of an option. A hidden figure's tooltip shows its marker ("..", "~100").
  function localize(option) {
    var hint = option.skolstatFormat || {};
    delete option.skolstatFormat;
    var percent = !!hint.percent;
    var axisLabel = function (v) {
      var s = formatValue(v, percent);
      return s === null ? String(v) : s;
    };
    asList(option.xAxis).concat(asList(option.yAxis)).forEach(function (axis) {
      if (axis.type === 'value' || axis.type === undefined) {
        axis.axisLabel = axis.axisLabel || {};
        axis.axisLabel.formatter = axisLabel;
      }
    });
    asList(option.series).forEach(function (series) {
      if (series.label) {
        series.label.formatter = function (p) {
          var s = formatValue(p.value, percent);
          return s === null ? p.name : s;
        };
      }
    });
    var tooltip = option.tooltip = option.tooltip || {};
    tooltip.valueFormatter = axisLabel;
    tooltip.formatter = function (params) {
      params = asList(params);
      var lines = [];
      if (params.length > 0) {
        lines.push(escapeHTML(params[0].axisValueLabel !== undefined ? params[0].axisValueLabel : params[0].name));
      }
      params.forEach(function (p) {
        var v = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
        var s = formatValue(v, percent);
        if (s === null) {
          s = p.name || '–';
        }
        lines.push(escapeHTML(p.seriesName) + ': <strong>' + escapeHTML(s) + '</strong>');
      });
      return lines.join('<br>');
    };
    return option;
  }

  function drawCharts() {
    if (typeof echarts === 'undefined') {
      return;
    }
    var els = document.querySelectorAll('.chart[data-chart]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var block = document.getElementById(el.getAttribute('data-chart'));
      if (!block) {
        continue;
      }
      var option;
      try {
        option = JSON.parse(block.textContent);
      } catch (e) {
        el.textContent = '';
        continue;
      }
      var chart = echarts.init(el, null, { locale: locale, renderer: 'canvas' });
      chart.setOption(localize(option));
      instances.push(chart);
    }
  }

  function resize() {
    for (var i = 0; i < instances.length; i++) {
      instances[i].resize();
    }
  }

  // Sortable tables: a button in each column heading sorts the body rows by that column,
  // numerically by data-sort where the cells have one; hidden figures sort last.
  function sortKey(row, col) {
    var cell = row.children[col];
    if (!cell) {
      return { num: null, text: '' };
    }
    var s = cell.getAttribute('data-sort');
    if (s !== null && s !== '') {
      return { num: parseFloat(s), text: cell.textContent };
    }
    return { num: null, text: cell.textContent.trim() };
  }

  function sortTable(table, col, button) {
    var th = button.parentNode;
    var asc = th.getAttribute('aria-sort') !== 'ascending';
    var heads = table.querySelectorAll('thead th');
    for (var i = 0; i < heads.length; i++) {
      heads[i].removeAttribute('aria-sort');
    }
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var fixed = rows.filter(function (r) { return r.classList.contains('reference'); });
    rows = rows.filter(function (r) { return !r.classList.contains('reference'); });
    rows.sort(function (a, b) {
      var x = sortKey(a, col), y = sortKey(b, col);
      if (x.num === null && y.num === null) {
        return asc ? x.text.localeCompare(y.text, lang) : y.text.localeCompare(x.text, lang);
      }
      if (x.num === null) { return 1; }
      if (y.num === null) { return -1; }
      return asc ? x.num - y.num : y.num - x.num;
    });
    rows.concat(fixed).forEach(function (r) { body.appendChild(r); });
  }

  function initTables() {
    var tables = document.querySelectorAll('table.sortable');
    for (var t = 0; t < tables.length; t++) {
      (function (table) {
        var heads = table.querySelectorAll('thead th');
        for (var i = 0; i < heads.length; i++) {
          var b = heads[i].querySelector('button.sort');
          if (!b) {
            continue;
          }
          (function (col, button) {
            button.addEventListener('click', function () { sortTable(table, col, button); });
          })(i, b);
        }
      })(tables[t]);
    }
  }

  function start() {
    drawCharts();
    initTables();
    window.addEventListener('resize', resize);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
