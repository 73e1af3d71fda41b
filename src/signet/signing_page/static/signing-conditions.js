/* Signet signing page: field conditions, a mirror of signet/signing/conditions.py used to hide
   and require fields live. The server evaluates them again and decides. */
(function () {
  "use strict";

  var page = window.SignetPage;
  if (!page) return;

  function filled(v) { return !(v === null || v === undefined || v === "" || v === "false"); }
  function num(v) {
    if (v === null || v === undefined || String(v).trim() === "") return null;
    var n = Number(v);
    return isNaN(n) ? null : n;
  }
  function check(c, values) {
    if (c.operator === "fixed") return !!c.value;
    var actual = values[c.field_id];
    var a = actual === null || actual === undefined ? "" : String(actual);
    var e = c.value === null || c.value === undefined ? "" : String(c.value);
    switch (c.operator) {
      case "is_filled": return filled(actual);
      case "is_empty": return !filled(actual);
      case "equals": return a === e;
      case "not_equals": return a !== e;
      case "contains": return a.indexOf(e) !== -1;
      case "not_contains": return a.indexOf(e) === -1;
    }
    var x = num(actual), y = num(c.value);
    if (x === null || y === null) return false;
    switch (c.operator) {
      case "greater_than": return x > y;
      case "less_than": return x < y;
      case "greater_than_or_equal": return x >= y;
      case "less_than_or_equal": return x <= y;
    }
    return false;
  }
  function evaluate(json, values) {
    if (!json) return true;
    var block;
    try { block = JSON.parse(json); } catch (err) { return true; }
    var results = (block.groups || []).map(function (g) {
      return (g.conditions || []).every(function (c) { return check(c, values); });
    });
    if (!results.length) return true;
    return block.logic === "or" ? results.some(Boolean) : results.every(Boolean);
  }

  page.conditions = { evaluate: evaluate, filled: filled };
})();
