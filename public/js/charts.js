/* Draws every <canvas data-chart="…JSON…"> with Chart.js (served from node_modules). No inline script:
   the configuration arrives in an escaped data- attribute. Each chart has a table beside it. */
(function () {
  'use strict';
  if (typeof window.Chart === 'undefined') return;

  // Error bars: a dataset may carry `intervals: [[low, high] | null, …]`, drawn as whiskers over its bars.
  var intervalsPlugin = {
    id: 'manyiIntervals',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var horizontal = chart.options.indexAxis === 'y';
      chart.data.datasets.forEach(function (dataset, di) {
        if (!dataset.intervals) return;
        var meta = chart.getDatasetMeta(di);
        var valueScale = horizontal ? chart.scales.x : chart.scales.y;
        ctx.save();
        ctx.strokeStyle = '#1a1f24';
        ctx.lineWidth = 1.5;
        meta.data.forEach(function (bar, i) {
          var iv = dataset.intervals[i];
          if (!iv) return;
          var a = valueScale.getPixelForValue(iv[0]);
          var b = valueScale.getPixelForValue(iv[1]);
          var c = horizontal ? bar.y : bar.x;
          var cap = 5;
          ctx.beginPath();
          if (horizontal) {
            ctx.moveTo(a, c); ctx.lineTo(b, c);
            ctx.moveTo(a, c - cap); ctx.lineTo(a, c + cap);
            ctx.moveTo(b, c - cap); ctx.lineTo(b, c + cap);
          } else {
            ctx.moveTo(c, a); ctx.lineTo(c, b);
            ctx.moveTo(c - cap, a); ctx.lineTo(c + cap, a);
            ctx.moveTo(c - cap, b); ctx.lineTo(c + cap, b);
          }
          ctx.stroke();
        });
        ctx.restore();
      });
    }
  };

  window.Chart.defaults.font.family = 'system-ui, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
  window.Chart.defaults.color = '#1a1f24';
  window.Chart.defaults.maintainAspectRatio = true;
  window.Chart.defaults.animation = false;

  // A chart's table behind a disclosure is printed open, then closed again.
  var opened = [];
  window.addEventListener('beforeprint', function () {
    var closed = document.querySelectorAll('details.chart-table:not([open])');
    for (var d = 0; d < closed.length; d++) { closed[d].open = true; opened.push(closed[d]); }
  });
  window.addEventListener('afterprint', function () {
    while (opened.length) opened.pop().open = false;
  });

  var canvases = document.querySelectorAll('canvas[data-chart]');
  for (var i = 0; i < canvases.length; i++) {
    try {
      var config = JSON.parse(canvases[i].getAttribute('data-chart'));
      config.plugins = [intervalsPlugin];
      new window.Chart(canvases[i], config);
      canvases[i].setAttribute('data-drawn', 'true');
    } catch (e) {
      canvases[i].setAttribute('data-chart-error', String(e && e.message));
    }
  }
})();
