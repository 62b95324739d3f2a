// The explorer's behaviour. Every number is computed here, with `exprgradOps`: the forward function and the local
// partials of each op, printed as JavaScript from exprgrad's registry. The loops below are the engine's: forward in
// topological order, then the reverse sweep from the output, adding chain-rule terms in the engine's order.
"use strict";
(function () {
  performance.mark("exprgrad-start");
  const doc = JSON.parse(document.getElementById("exprgrad-data").textContent);
  const ops = window.exprgradOps;
  const nodes = doc.nodes;
  const count = nodes.length;
  const outputIndex = doc.outputIndex;
  const drawing = doc.drawing;

  // -- numbers as exprgrad writes them ---------------------------------------------------------------------------

  // Python's repr of a float without a trailing ".0" (exprgrad.textform.format_number): shortest round trip,
  // scientific below 1e-4 and from 1e16.
  function exact(x) {
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    const sign = x < 0 ? "-" : "";
    const [mantissa, exponentText] = Math.abs(x).toExponential().split("e");
    const exponent = Number(exponentText);
    const digits = mantissa.replace(".", "");
    if (exponent < -4 || exponent >= 16) {
      const shown = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
      const magnitude = String(Math.abs(exponent)).padStart(2, "0");
      return sign + shown + "e" + (exponent < 0 ? "-" : "+") + magnitude;
    }
    if (exponent < 0) return sign + "0." + "0".repeat(-exponent - 1) + digits;
    if (digits.length <= exponent + 1) return sign + digits + "0".repeat(exponent + 1 - digits.length);
    return sign + digits.slice(0, exponent + 1) + "." + digits.slice(exponent + 1);
  }

  // Python's `format(x, ".{digits}g")`, as the drawing shows numbers.
  function general(x, digits) {
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    const [mantissa, exponentText] = x.toExponential(digits - 1).split("e");
    const exponent = Number(exponentText);
    const trim = (text) => (text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text);
    if (exponent < -4 || exponent >= digits) {
      const magnitude = String(Math.abs(exponent)).padStart(2, "0");
      return trim(mantissa) + "e" + (exponent < 0 ? "-" : "+") + magnitude;
    }
    return trim(x.toFixed(Math.max(0, digits - 1 - exponent)));
  }

  const shown = (x) => (doc.precision ? general(x, doc.precision) : exact(x));
  const drawn = (x) => general(x, drawing.digits);

  // Writes `text` into `element` only when it differs from what is shown: a step changes a few numbers, and
  // rewriting every text of a 500-node page would make each step take half a second.
  function setText(element, text) {
    if (element.exprgradText !== text) {
      element.textContent = text;
      element.exprgradText = text;
    }
  }

  // -- the computation -------------------------------------------------------------------------------------------

  const users = nodes.map(() => []);
  nodes.forEach((node, index) => node.inputs.forEach((child, slot) => users[child].push([index, slot])));

  function nodeName(index) {
    const node = nodes[index];
    return node.label || node.text;
  }

  // A node as messages name it: `s = x + 1`, or just `log(s)` when its label is its formula.
  function named(index) {
    const node = nodes[index];
    return node.label && node.label !== node.text ? `${node.label} = ${node.text}` : node.text;
  }

  // The inputs' values, each under its own name: `s = -2`.
  function describeInputs(index, data) {
    return nodes[index].inputs.map((child) => `${nodeName(child)} = ${exact(data[child])}`).join(", ");
  }

  // A lazy node (when, unless: the halves of `where`) reads its second input only where its first opens it. A
  // condition that failed (not a finite number) opens neither branch, as in the engine: its own failure is the error.
  const lazy = nodes.some((node) => node.op && doc.ops[node.op].opens);
  function opens(index, data) {
    const node = nodes[index];
    const condition = data[node.inputs[0]];
    return Number.isFinite(condition) && (doc.ops[node.op].opens === "nonzero" ? condition !== 0 : condition === 0);
  }

  // The nodes whose values matter: those the output and every node nothing uses read, through each node's
  // inputs (a lazy node whose first input closes it does not read its second), as the engine's `needed_nodes`.
  function neededNodes(data) {
    const used = new Array(count).fill(false);
    nodes.forEach((node) => node.inputs.forEach((child) => { used[child] = true; }));
    const needed = new Array(count).fill(false);
    const stack = [outputIndex, ...nodes.map((_, index) => index).filter((index) => !used[index])];
    while (stack.length) {
      const index = stack.pop();
      if (needed[index]) continue;
      needed[index] = true;
      const node = nodes[index];
      const skipSecond = node.op && doc.ops[node.op].opens && !opens(index, data);
      node.inputs.forEach((child, slot) => { if (!(skipSecond && slot === 1)) stack.push(child); });
    }
    return needed;
  }

  function domainError(index, value, data) {
    const node = nodes[index];
    const overflow = Number.isNaN(value) ? "" : ", or the result is too large for a number";
    return {
      node: index,
      message: `${named(index)} is not defined at ${describeInputs(index, data)} ` +
        `(${node.op}'s domain: ${doc.ops[node.op].domain}${overflow}). The values after it and every gradient wait for another input.`,
    };
  }

  // Every value, every gradient and every chain-rule term at these variable values. A value or a local derivative
  // that is not a finite number stops the pass there: the page names the node instead of showing NaN. In a
  // program with `where`, a value only a branch not chosen reads is left out (shown as not evaluated) instead.
  function compute(values) {
    const data = new Array(count).fill(null);
    const result = { data, grads: null, terms: [], locals: nodes.map(() => null), error: null };
    const failed = [];
    for (let index = 0; index < count; index++) {
      const node = nodes[index];
      let value;
      if (node.kind === "variable") value = values[node.name];
      else if (node.kind === "constant") value = node.value;
      else value = ops[node.op].forward(...node.inputs.map((child) => data[child]));
      if (!Number.isFinite(value)) {
        if (!lazy) {
          result.error = domainError(index, value, data);
          return result;
        }
        failed.push([index, value]);
      }
      data[index] = value;
    }
    if (failed.length) {
      const needed = neededNodes(data);
      const first = failed.find(([index]) => needed[index]);
      const error = first ? domainError(first[0], first[1], data) : null;
      failed.forEach(([index]) => { data[index] = null; });
      if (error) {
        // As without `where`: nothing from the failing node on is shown.
        data.fill(null, error.node);
        result.error = error;
        return result;
      }
    }
    // The local derivatives of every edge, for the edge labels (the sweep itself skips those it does not need).
    nodes.forEach((node, index) => {
      if (node.op && data[index] !== null) {
        result.locals[index] = node.inputs.map((_, slot) =>
          ops[node.op].partials[slot](...node.inputs.map((child) => data[child]), data[index]));
      }
    });
    const grads = new Array(count).fill(0);
    grads[outputIndex] = 1;
    const arrived = new Array(count).fill(0);
    for (let index = outputIndex; index >= 0; index--) {
      const node = nodes[index];
      if (!node.op || !node.needsGrad) continue;
      const grad = grads[index];
      const passes = grad !== 0;
      const inputValues = node.inputs.map((child) => data[child]);
      for (let slot = 0; slot < node.inputs.length; slot++) {
        const child = node.inputs[slot];
        if (!nodes[child].needsGrad) continue;
        arrived[child] += 1;
        if (!passes) {
          result.terms.push({ user: index, slot, child, upstream: grad, local: null, value: null, sum: grads[child], arrived: arrived[child] });
          continue;
        }
        const local = ops[node.op].partials[slot](...inputValues, data[index]);
        if (!Number.isFinite(local)) {
          result.error = {
            node: index,
            // Every value is known: only the gradients are not.
            backward: true,
            message: `${node.localSymbols[slot]} = ${node.formulas[slot]} is not finite at ` +
              `${describeInputs(index, data)} (node ${named(index)}): no gradient can pass through it.`,
          };
          return result;
        }
        const term = local === 1 ? grad : grad * local;
        grads[child] = grads[child] + term;
        result.terms.push({ user: index, slot, child, upstream: grad, local, value: term, sum: grads[child], arrived: arrived[child] });
      }
    }
    result.grads = grads;
    return result;
  }

  // -- the page's state ------------------------------------------------------------------------------------------

  const initialValues = Object.fromEntries(doc.variables.map((variable) => [variable.name, variable.value]));
  const values = { ...initialValues };
  let state = compute(values);
  // The walk: one forward step per node, the seed, then one step per chain-rule term. `cursor` at its length is
  // the end, where everything is shown.
  let cursor = null;
  let selection = null;

  function walkLength() {
    return count + 1 + state.terms.length;
  }

  function atEnd() {
    return cursor === null || cursor >= walkLength();
  }

  // -- the drawing -----------------------------------------------------------------------------------------------

  const svg = document.querySelector("#graph svg");
  const graphNodes = new Map(); // "n3" or "n3op" -> <g>
  const graphEdges = new Map(); // "n1->n3op" -> [<g>, ...] in the order of the inputs
  // Per node, its record and the dashed copies the drawing adds beside far users ("n3", "n3c7", ...).
  const recordGroups = [];
  const legend = [];
  let legendTitle = null;
  if (svg) {
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-labelledby", "graph-heading graph-caption");
    for (const group of svg.querySelectorAll("g.node")) {
      const name = group.querySelector("title").textContent;
      group.querySelector("title").remove();
      graphNodes.set(name, group);
      const copy = /^n(\d+)c\d+$/.exec(name);
      if (copy) (recordGroups[Number(copy[1])] ||= []).push(group);
    }
    for (const group of svg.querySelectorAll("g.edge")) {
      const name = group.querySelector("title").textContent;
      group.querySelector("title").remove();
      if (!graphEdges.has(name)) graphEdges.set(name, []);
      graphEdges.get(name).push(group);
    }
    nodes.forEach((node, index) => {
      const group = graphNodes.get(`n${index}`);
      if (!group) return;
      (recordGroups[index] ||= []).unshift(group);
      group.setAttribute("tabindex", "0");
      group.setAttribute("role", "button");
      group.setAttribute("aria-label", `node ${nodeName(index)}`);
      group.dataset.node = String(index);
      const opGroup = graphNodes.get(`n${index}op`);
      if (opGroup) opGroup.dataset.node = String(index);
    });
    const fills = drawing.positiveFills.map((fill, level) => [fill, 1, level])
      .concat(drawing.negativeFills.map((fill, level) => [fill, -1, level]));
    for (const [name, group] of graphNodes) {
      if (!name.startsWith("legend")) continue;
      const shape = group.querySelector("polygon");
      const fill = shape.getAttribute("fill");
      const text = group.querySelector("text");
      const found = fills.find(([colour]) => colour === fill);
      legend.push({ text, sign: found ? found[1] : 0, level: found ? found[2] : -1, constant: fill === "white" });
      shape.style.fill = fill;
      text.style.fill = drawing.darkFills.includes(fill) ? "#ffffff" : "#1b1f24";
    }
    legendTitle = [...svg.querySelectorAll("g.cluster text")].find((text) => text.textContent.includes("max |grad|")) || null;
  }

  function fillOf(grad, scale) {
    if (grad === 0 || scale === 0) return drawing.zeroFill;
    const level = Math.min(3, Math.max(0, Math.ceil((4 * Math.abs(grad)) / scale) - 1));
    return (grad > 0 ? drawing.positiveFills : drawing.negativeFills)[level];
  }

  function paintDrawing(data, grads) {
    if (!svg) return;
    nodes.forEach((node, index) => {
      for (const group of recordGroups[index] || []) {
        for (const text of group.querySelectorAll("text")) {
          if (text.textContent.startsWith("data ")) {
            setText(text, data[index] === null ? "data —" : `data ${drawn(data[index])}`);
          } else if (text.textContent.startsWith("grad ")) {
            setText(text, grads[index] === null ? "grad —" : `grad ${drawn(grads[index])}`);
          }
        }
      }
    });
    if (drawing.colorByGrad) {
      const finite = grads.filter((grad, index) => grad !== null && nodes[index].needsGrad);
      const scale = finite.reduce((largest, grad) => Math.max(largest, Math.abs(grad)), 0);
      nodes.forEach((node, index) => {
        if (!node.needsGrad) return;
        const fill = grads[index] === null ? "none" : fillOf(grads[index], scale);
        const ink = grads[index] === null ? "" : drawing.darkFills.includes(fill) ? "#ffffff" : "#1b1f24";
        for (const group of recordGroups[index] || []) {
          const shape = group.querySelector("polygon");
          if (!shape) continue;
          shape.style.fill = fill;
          group.querySelectorAll("text").forEach((text) => { text.style.fill = ink; });
        }
      });
      // The key's texts as exprgrad.dot._add_legend writes them: (low, high] above 0, [-high, -low) below.
      const bounds = [0, 1, 2, 3, 4].map((k) => drawn((scale * k) / 4));
      for (const entry of legend) {
        if (entry.constant) continue;
        const k = entry.level;
        if (entry.sign > 0) setText(entry.text, `(${bounds[k]}, ${bounds[k + 1]}]`);
        else if (entry.sign < 0) setText(entry.text, `[-${bounds[k + 1]}, -${bounds[k]})`.replace("-0)", "0)"));
      }
      if (legendTitle) setText(legendTitle, `grad (max |grad| = ${drawn(scale)})`);
    }
    if (drawing.edgeDerivatives) {
      nodes.forEach((node, index) => {
        if (!node.op) return;
        node.inputs.forEach((child, slot) => {
          if (!nodes[child].needsGrad) return;
          const [edge] = edgeGroups(child, index, slot);
          const label = edge && edge.querySelector("text");
          if (!label) return;
          const formula = node.formulas[slot];
          const local = state.locals[index] ? state.locals[index][slot] : null;
          if (local === null) setText(label, formula);
          else if (!Number.isFinite(local)) setText(label, `${formula}: not finite`);
          else {
            const number = drawn(local);
            setText(label, formula === number ? formula : `${formula} = ${number}`);
          }
        });
      });
    }
  }

  // -- the table and the steps -------------------------------------------------------------------------------------

  const tbody = document.querySelector("#nodes tbody");
  const rows = [];
  const dataCells = [];
  const gradCells = [];
  nodes.forEach((node, index) => {
    const row = document.createElement("tr");
    row.dataset.node = String(index);
    row.tabIndex = 0;
    const kind = node.kind === "op" ? "" : ` <span class="kind">${node.kind}</span>`;
    row.innerHTML = `<td class="num"></td><td class="mono"></td><td class="mono"></td><td class="mono"></td><td class="num"></td><td class="num"></td>`;
    const cells = row.children;
    cells[0].textContent = String(index);
    cells[1].textContent = node.label || node.text;
    if (kind) cells[1].insertAdjacentHTML("beforeend", kind);
    cells[2].textContent = node.op;
    cells[3].textContent = node.inputs.join(" ");
    dataCells.push(cells[4]);
    gradCells.push(cells[5]);
    row.setAttribute("aria-label", `node ${index}: ${nodeName(index)}`);
    tbody.appendChild(row);
    rows.push(row);
  });

  const stepList = document.getElementById("steps");
  const stepItems = new Array(count);
  doc.stepOrder.forEach((index) => {
    const item = document.createElement("li");
    item.dataset.node = String(index);
    item.tabIndex = 0;
    stepList.appendChild(item);
    stepItems[index] = item;
  });

  function wrap(text) {
    return /^([^\W\d]\w*|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/u.test(text) || isCall(text) ? text : `(${text})`;
  }

  function isCall(text) {
    const opening = text.indexOf("(");
    if (opening <= 0 || !text.endsWith(")") || !/^[^\W\d]\w*$/u.test(text.slice(0, opening))) return false;
    let depth = 0;
    for (let position = opening; position < text.length; position++) {
      depth += text[position] === "(" ? 1 : text[position] === ")" ? -1 : 0;
      if (depth === 0) return position === text.length - 1;
    }
    return false;
  }

  // A step's equation as `exprgrad explain` writes it: symbols, formulas, numbers, the sum; a side that repeats the
  // one before it is left out.
  function equationParts(index, terms, grad) {
    const node = nodes[index];
    if (!node.needsGrad) return [node.gradSymbol, `none (${nodeName(index)} is a constant)`];
    if (grad === null) return [node.gradSymbol, state.error ? "not computed (see the message)" : "not reached yet"];
    if (index === outputIndex) return [node.gradSymbol, shown(grad)];
    if (!node.used) return [node.gradSymbol, `${shown(grad)} (${nodeName(index)} is not used by ${doc.output})`];
    const fromOutput = (term) => term.user === outputIndex;
    const formula = (term) => nodes[term.user].formulas[term.slot];
    const symbols = (term) => fromOutput(term) ? wrap(formula(term))
      : `${nodes[term.user].gradSymbol} * ${nodes[term.user].localSymbols[term.slot]}`;
    const formulas = (term) => fromOutput(term) ? formula(term) : `${shown(term.upstream)} * ${wrap(formula(term))}`;
    const numbers = (term) => {
      if (term.local === null) return shown(term.upstream);
      const local = /^-?\d+$/.test(formula(term)) && Number(formula(term)) === term.local ? formula(term) : shown(term.local);
      return fromOutput(term) ? local : `${shown(term.upstream)} * ${local}`;
    };
    const parts = [node.gradSymbol];
    if (!terms.every(fromOutput)) parts.push(terms.map(symbols).join(" + "));
    parts.push(terms.map(formulas).join(" + "));
    parts.push(terms.map(numbers).join(" + "));
    parts.push(shown(grad));
    return parts.filter((part, position) => position === 0 || part !== parts[position - 1]);
  }

  // -- painting the state ------------------------------------------------------------------------------------------

  function forwardEquation(index, data) {
    const node = nodes[index];
    if (node.kind === "variable") return `${node.label} = ${shown(data[index])} (a variable: its value comes from its slider)`;
    if (node.kind === "constant") return `${node.label} = ${shown(data[index])} (a constant)`;
    if (data[index] === null) {
      return `${nodeName(index)} = ${node.text}: not evaluated (it is not defined here, and only a where branch not chosen uses it)`;
    }
    const numbers = node.inputs.map((child) => (data[child] === null ? "not evaluated" : shown(data[child])));
    const withNumbers = node.symbol && node.op !== "identity" ? infix(node, numbers) : numbers[0];
    return `${nodeName(index)} = ${node.text} = ${withNumbers} = ${shown(data[index])}`;
  }

  function infix(node, operands) {
    const wrapped = operands.map((text) => (text.startsWith("-") ? `(${text})` : text));
    if (node.inputs.length === 2 && !/^[a-z_]/.test(node.symbol)) {
      const spaced = node.symbol === "+" || node.symbol === "-" ? ` ${node.symbol} ` : node.symbol;
      return wrapped.join(spaced);
    }
    if (node.inputs.length === 1 && node.symbol === "-") return `-${wrapped[0]}`;
    return `${node.symbol}(${operands.join(", ")})`;
  }

  function termEquation(term) {
    const child = nodes[term.child];
    const user = nodes[term.user];
    const upstreamSymbol = user.gradSymbol;
    const localSymbol = user.localSymbols[term.slot];
    const total = state.terms.filter((other) => other.child === term.child).length;
    const progress = total > 1 ? ` (term ${term.arrived} of ${total})` : "";
    if (term.local === null) {
      return `${child.gradSymbol} += ${upstreamSymbol} * ${localSymbol} = 0: ${upstreamSymbol} is 0, so nothing passes back` +
        `${progress}; ${child.gradSymbol} = ${shown(term.sum)}`;
    }
    const sides = [
      `${child.gradSymbol} += ${upstreamSymbol} * ${localSymbol}`,
      `${shown(term.upstream)} * ${wrap(user.formulas[term.slot])}`,
      `${shown(term.upstream)} * ${shown(term.local)}`,
      shown(term.value),
    ].filter((side, position, all) => position === 0 || side !== all[position - 1]);
    return `${sides.join(" = ")}${progress}; now ${child.gradSymbol} = ${shown(term.sum)}`;
  }

  function paint() {
    const data = state.data;
    const end = atEnd();
    const length = walkLength();
    let shownData = data.slice();
    let shownGrads = state.grads ? nodes.map((node, index) => (node.needsGrad ? state.grads[index] : null)) : nodes.map(() => null);
    let current = null; // {node} or {term}
    let status;
    let equation;
    if (!end && state.error) cursor = null;
    if (!atEnd()) {
      if (cursor < count) {
        shownData = data.map((value, index) => (index <= cursor ? value : null));
        shownGrads = nodes.map(() => null);
        current = { node: cursor };
        status = `Step ${cursor + 1} of ${length}: forward pass, node ${cursor} (${nodeName(cursor)})`;
        equation = forwardEquation(cursor, data);
      } else if (cursor === count) {
        shownGrads = nodes.map((node, index) => (index === outputIndex && node.needsGrad ? 1 : null));
        current = { node: outputIndex };
        status = `Step ${cursor + 1} of ${length}: backward pass starts at the output`;
        equation = `${nodes[outputIndex].gradSymbol} = 1 (the output changes one for one with itself)`;
      } else {
        const position = cursor - count - 1;
        shownGrads = nodes.map((node, index) => (index === outputIndex && node.needsGrad ? 1 : null));
        for (let k = 0; k <= position; k++) shownGrads[state.terms[k].child] = state.terms[k].sum;
        const term = state.terms[position];
        current = { term };
        status = `Step ${cursor + 1} of ${length}: backward pass, term ${position + 1} of ${state.terms.length}`;
        equation = termEquation(term);
      }
    } else {
      status = state.error ? "Stopped: a value is not defined (see the message)." : `All ${length} steps done: every value and gradient is shown.`;
      equation = state.error ? "" : `${doc.output} = ${shown(data[outputIndex])}`;
    }
    document.getElementById("status").textContent = status;
    document.getElementById("equation").textContent = equation;
    const problem = document.getElementById("problem");
    problem.textContent = state.error ? state.error.message : "";
    const result = document.getElementById("result");
    const value = `${doc.output} = ${shown(data[outputIndex])}`;
    result.textContent = !state.error ? value
      : state.error.backward ? `${value}; its gradients are not defined here` : `${doc.output}: not defined here`;

    nodes.forEach((node, index) => {
      const value = shownData[index];
      // A node only a `where` branch not chosen reads, once the walk has passed it.
      const skipped = data[index] === null && !state.error && (atEnd() || cursor >= count || index <= cursor);
      setText(dataCells[index], skipped ? "not evaluated" : value === null ? "—" : shown(value));
      dataCells[index].classList.toggle("pending", value === null);
      const grad = shownGrads[index];
      setText(gradCells[index], !node.needsGrad ? "none" : grad === null ? "—" : shown(grad));
      gradCells[index].classList.toggle("pending", node.needsGrad && grad === null);
      rows[index].classList.toggle("error", state.error !== null && state.error.node === index);
    });
    paintDrawing(shownData, shownGrads);

    // The steps: their equations at the end, or as far as the backward pass has come.
    const grouped = nodes.map(() => []);
    const upTo = atEnd() ? state.terms.length : Math.max(0, cursor - count);
    for (let k = 0; k < upTo; k++) grouped[state.terms[k].child].push(state.terms[k]);
    doc.stepOrder.forEach((index) => {
      const item = stepItems[index];
      const parts = equationParts(index, grouped[index], shownGrads[index]);
      if (!item.firstChild) {
        const symbol = document.createElement("span");
        symbol.className = "symbol";
        item.append(symbol, document.createTextNode(""));
      }
      setText(item.firstChild, parts[0]);
      const rest = parts.length > 1 ? " = " + parts.slice(1).join(" = ") : "";
      if (item.lastChild.data !== rest) item.lastChild.data = rest;
      item.classList.toggle("pending", nodes[index].needsGrad && shownGrads[index] === null);
      item.classList.toggle("error", state.error !== null && state.error.node === index);
    });

    // What the walk is at.
    document.querySelectorAll(".current").forEach((element) => element.classList.remove("current"));
    if (current && current.node !== undefined) {
      mark(current.node, "current");
    } else if (current && current.term) {
      const term = current.term;
      rows[term.child].classList.add("current");
      stepItems[term.child].classList.add("current");
      edgeGroups(term.child, term.user, term.slot).forEach((edge) => edge.classList.add("current"));
      const user = graphNodes.get(`n${term.user}op`);
      if (user) user.classList.add("current");
    }
    if (svg) {
      // Nodes the forward pass has not reached yet are faded.
      const reached = atEnd() || cursor >= count ? count : cursor + 1;
      nodes.forEach((node, index) => {
        for (const group of [graphNodes.get(`n${index}`), graphNodes.get(`n${index}op`)]) {
          if (group) group.classList.toggle("pending", index >= reached);
        }
      });
    }
    if (state.error && svg) {
      const group = graphNodes.get(`n${state.error.node}`);
      if (group) group.classList.add("error");
    } else if (svg) {
      svg.querySelectorAll(".node.error").forEach((group) => group.classList.remove("error"));
    }
    document.getElementById("step-start").disabled = cursor === 0 || Boolean(state.error);
    document.getElementById("step-back").disabled = cursor === 0 || Boolean(state.error);
    document.getElementById("step-next").disabled = atEnd();
    document.getElementById("step-end").disabled = atEnd();
    document.body.dataset.cursor = atEnd() ? "end" : String(cursor);
    // What the walk is at, for tests and assistive tools: the node (forward) or the term user,slot,child (backward).
    document.body.dataset.walkNode = current && current.node !== undefined ? String(current.node) : "";
    document.body.dataset.walkTerm = current && current.term ? `${current.term.user},${current.term.slot},${current.term.child}` : "";
  }

  function mark(index, className) {
    rows[index].classList.add(className);
    stepItems[index].classList.add(className);
    const group = graphNodes.get(`n${index}`);
    if (group) group.classList.add(className);
  }

  function edgeGroups(child, user, slot) {
    // An input drawn again beside a far user (a dashed copy) reaches it from the copy.
    const edges = graphEdges.get(`n${child}->n${user}op`) || graphEdges.get(`n${child}c${user}->n${user}op`) || [];
    const repeat = nodes[user].inputs.slice(0, slot).filter((other) => other === child).length;
    return edges[repeat] ? [edges[repeat]] : [];
  }

  // -- selection: a node and every path from it to the output, or a step and the edges of its terms ---------------

  // Nodes the output depends on, found once with an explicit stack.
  const feedsOutput = new Array(count).fill(false);
  {
    const stack = [outputIndex];
    feedsOutput[outputIndex] = true;
    while (stack.length) {
      const index = stack.pop();
      for (const child of nodes[index].inputs) {
        if (!feedsOutput[child]) { feedsOutput[child] = true; stack.push(child); }
      }
    }
  }

  function pathsToOutput(start) {
    const onPath = new Array(count).fill(false);
    if (!feedsOutput[start]) return onPath;
    const stack = [start];
    onPath[start] = true;
    while (stack.length) {
      const index = stack.pop();
      for (const [user] of users[index]) {
        if (!onPath[user] && feedsOutput[user]) { onPath[user] = true; stack.push(user); }
      }
    }
    return onPath;
  }

  function clearSelection() {
    document.querySelectorAll(".selected, .on-path").forEach((element) => element.classList.remove("selected", "on-path"));
  }

  function select(index, how) {
    clearSelection();
    selection = index === null ? null : { index, how };
    document.body.dataset.selected = index === null ? "" : String(index);
    if (index === null) return;
    mark(index, "selected");
    if (how === "step") {
      for (const [user, slot] of users[index]) {
        edgeGroups(index, user, slot).forEach((edge) => edge.classList.add("on-path"));
        const opGroup = graphNodes.get(`n${user}op`);
        if (opGroup) opGroup.classList.add("on-path");
      }
      return;
    }
    const onPath = pathsToOutput(index);
    onPath.forEach((on, node) => {
      if (!on) return;
      rows[node].classList.add("on-path");
      const group = graphNodes.get(`n${node}`);
      if (group) group.classList.add("on-path");
      if (node !== index) {
        const opGroup = graphNodes.get(`n${node}op`);
        if (opGroup) opGroup.classList.add("on-path");
        (graphEdges.get(`n${node}op->n${node}`) || []).forEach((edge) => edge.classList.add("on-path"));
        nodes[node].inputs.forEach((child, slot) => {
          if (onPath[child]) edgeGroups(child, node, slot).forEach((edge) => edge.classList.add("on-path"));
        });
      }
    });
  }

  function nodeOf(target) {
    const holder = target.closest("[data-node]");
    return holder ? Number(holder.dataset.node) : null;
  }

  function choose(event, how) {
    const index = nodeOf(event.target);
    if (index === null) return;
    if (selection && selection.index === index && selection.how === how) select(null);
    else select(index, how);
  }

  tbody.addEventListener("click", (event) => choose(event, "node"));
  stepList.addEventListener("click", (event) => choose(event, "step"));
  if (svg) svg.addEventListener("click", (event) => choose(event, "node"));
  for (const [container, how] of [[tbody, "node"], [stepList, "step"], [svg, "node"]]) {
    if (!container) continue;
    container.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(event, how); }
    });
    // Pointing shows what selecting would, until the pointer leaves.
    container.addEventListener("pointerover", (event) => {
      const index = nodeOf(event.target);
      if (index !== null && (!selection || selection.index !== index)) {
        const kept = selection;
        select(index, how);
        selection = kept;
      }
    });
    container.addEventListener("pointerleave", () => {
      if (selection) select(selection.index, selection.how);
      else select(null);
    });
  }

  // -- inputs ------------------------------------------------------------------------------------------------------

  const variablesBox = document.getElementById("variables");
  const controls = {};
  function spanAround(value) {
    const span = Math.max(1, Math.abs(value)) * 2;
    return [value - span, value + span];
  }
  doc.variables.forEach((variable, position) => {
    const id = `variable-${position}`;
    const box = document.createElement("div");
    box.className = "variable";
    box.innerHTML = `<label></label><input type="range"><input type="number" step="any">` +
      `<div class="range"><span>from</span><input type="number" step="any"><span>to</span><input type="number" step="any"></div>`;
    const [label, slider, field] = box.children;
    const [low, high] = box.querySelectorAll(".range input");
    label.textContent = variable.name;
    label.htmlFor = id;
    slider.id = id;
    slider.setAttribute("aria-label", variable.name);
    field.setAttribute("aria-label", `${variable.name} value`);
    low.setAttribute("aria-label", `${variable.name} slider from`);
    high.setAttribute("aria-label", `${variable.name} slider to`);
    controls[variable.name] = { slider, field, low, high };
    setRange(variable.name, ...spanAround(variable.value));
    showValue(variable.name, variable.value);
    slider.addEventListener("input", () => change(variable.name, Number(slider.value), slider));
    field.addEventListener("input", () => {
      const value = Number(field.value);
      if (field.value.trim() !== "" && Number.isFinite(value)) change(variable.name, value, field);
    });
    for (const bound of [low, high]) {
      bound.addEventListener("change", () => {
        const from = Number(low.value);
        const to = Number(high.value);
        if (Number.isFinite(from) && Number.isFinite(to) && from < to) setRange(variable.name, from, to);
      });
    }
    variablesBox.appendChild(box);
  });
  if (!doc.variables.length) variablesBox.textContent = "The program has no variables.";

  function setRange(name, from, to) {
    const { slider, low, high } = controls[name];
    slider.min = String(from);
    slider.max = String(to);
    slider.step = String((to - from) / 400);
    low.value = exact(from);
    high.value = exact(to);
    slider.value = String(values[name]);
  }

  function showValue(name, value) {
    const { slider, field } = controls[name];
    field.value = exact(value);
    slider.value = String(value);
  }

  function change(name, value, source) {
    values[name] = value;
    const { slider, field } = controls[name];
    if (source !== field) field.value = exact(value);
    if (source !== slider) {
      if (value < Number(slider.min) || value > Number(slider.max)) setRange(name, ...spanAround(value));
      slider.value = String(value);
    }
    recompute();
  }

  function recompute() {
    state = compute(values);
    paint();
    if (selection) select(selection.index, selection.how);
  }

  document.getElementById("reset").addEventListener("click", () => {
    for (const variable of doc.variables) {
      values[variable.name] = variable.value;
      setRange(variable.name, ...spanAround(variable.value));
      showValue(variable.name, variable.value);
    }
    recompute();
  });

  // -- stepping --------------------------------------------------------------------------------------------------

  function go(position) {
    if (state.error) return;
    cursor = position >= walkLength() ? null : Math.max(0, position);
    paint();
    if (selection) select(selection.index, selection.how);
    // Keep what the step is at in view: its row, and its node or edge in the drawing.
    for (const current of document.querySelectorAll("tr.current, li.current, #graph .current")) {
      current.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }

  const stepBack = () => go(atEnd() ? walkLength() - 1 : cursor - 1);
  const stepNext = () => go(atEnd() ? walkLength() : cursor + 1);
  document.getElementById("step-start").addEventListener("click", () => go(0));
  document.getElementById("step-back").addEventListener("click", stepBack);
  document.getElementById("step-next").addEventListener("click", stepNext);
  document.getElementById("step-end").addEventListener("click", () => go(walkLength()));
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement || event.altKey || event.ctrlKey || event.metaKey) return;
    const actions = {
      ArrowRight: stepNext,
      ArrowLeft: stepBack,
      Home: () => go(0),
      End: () => go(walkLength()),
      Escape: () => select(null),
    };
    if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
  });

  // Zoom: the drawing at a scale of its own size (Graphviz's points are 4/3 of a CSS pixel). It opens fitted to the
  // pane when its text stays readable (50% or more); a larger graph opens at 75% and the pane scrolls.
  if (svg) {
    const box = document.querySelector(".graph-box");
    const natural = svg.viewBox.baseVal.width * (4 / 3);
    let scale = 1;
    const fit = () => Math.min(1.5, (box.clientWidth - 4) / natural);
    const zoomTo = (wanted) => {
      scale = Math.min(4, Math.max(0.1, wanted));
      svg.style.width = `${Math.round(natural * scale)}px`;
      document.getElementById("zoom-level").textContent = `${Math.round(scale * 100)}%`;
    };
    zoomTo(fit() >= 0.5 ? fit() : 0.75);
    document.getElementById("zoom-in").addEventListener("click", () => zoomTo(scale * 1.25));
    document.getElementById("zoom-out").addEventListener("click", () => zoomTo(scale / 1.25));
    document.getElementById("zoom-fit").addEventListener("click", () => zoomTo(fit()));
  }

  const rangesButton = document.getElementById("ranges");
  if (!doc.variables.length) rangesButton.hidden = true;
  rangesButton.addEventListener("click", () => {
    const open = variablesBox.classList.toggle("ranges");
    rangesButton.setAttribute("aria-expanded", String(open));
  });

  // For tests and for anyone at the console: the state and the walk.
  window.exprgradExplorer = {
    state: () => state,
    go,
    select,
    walkLength,
    values,
    compute,
    exact,
  };
  paint();
  document.body.dataset.ready = "true";
  // Time to interactive, for benchmarks/explorer_page.py: from navigation to here, every control wired up.
  performance.mark("exprgrad-ready");
})();
