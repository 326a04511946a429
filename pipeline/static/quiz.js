(function () {
  "use strict";
  var key = window.CERTQUESTS_QUIZ_KEY || "certquests-quiz";
  var state = {};
  try { state = JSON.parse(window.localStorage.getItem(key) || "{}") || {}; } catch (e) { state = {}; }
  var questions = Array.prototype.slice.call(document.querySelectorAll(".question"));
  var domainFilter = document.getElementById("filter-domain");
  var lessonFilter = document.getElementById("filter-lesson");

  function save() {
    try { window.localStorage.setItem(key, JSON.stringify(state)); } catch (e) { /* storage full or disabled */ }
  }

  function show(question) {
    var id = question.getAttribute("data-id");
    var chosen = state[id];
    var answer = question.getAttribute("data-answer");
    var feedback = question.querySelector(".feedback");
    var verdict = question.querySelector(".verdict");
    question.querySelectorAll("input").forEach(function (input) {
      var label = input.closest("label");
      label.classList.remove("right", "wrong");
      input.checked = input.value === chosen;
      if (chosen && input.value === answer) { label.classList.add("right"); }
      if (chosen && input.value === chosen && chosen !== answer) { label.classList.add("wrong"); }
    });
    if (!chosen) { feedback.hidden = true; return; }
    feedback.hidden = false;
    var right = chosen === answer;
    verdict.textContent = right ? "Correct." : "Not quite: the answer is " + answer + ".";
    verdict.className = "verdict " + (right ? "ok" : "bad");
  }

  function score() {
    var totals = {}, correct = 0, answered = 0;
    questions.forEach(function (question) {
      var domain = question.getAttribute("data-domain");
      var id = question.getAttribute("data-id");
      totals[domain] = totals[domain] || { correct: 0, answered: 0 };
      if (state[id]) {
        answered++; totals[domain].answered++;
        if (state[id] === question.getAttribute("data-answer")) { correct++; totals[domain].correct++; }
      }
    });
    document.querySelectorAll("#score-table tbody tr").forEach(function (row) {
      var t = totals[row.getAttribute("data-domain")] || { correct: 0, answered: 0 };
      row.querySelector(".correct").textContent = t.correct;
      row.querySelector(".answered").textContent = t.answered;
    });
    document.getElementById("score-total").textContent = answered
      ? correct + " of " + answered + " answered correctly (" + Math.round(100 * correct / answered) + "%), " + questions.length + " questions in all."
      : "No answers yet.";
  }

  // The topic with the most wrong answers for its answered questions (at least one wrong), and its advice.
  function advise() {
    var section = document.getElementById("advice");
    if (!section) { return; }
    var tally = {};
    questions.forEach(function (question) {
      var topic = question.getAttribute("data-topic"), id = question.getAttribute("data-id");
      if (!topic || !state[id]) { return; }
      tally[topic] = tally[topic] || { wrong: 0, answered: 0 };
      tally[topic].answered++;
      if (state[id] !== question.getAttribute("data-answer")) { tally[topic].wrong++; }
    });
    var weakest = null;
    section.querySelectorAll("p[data-topic]").forEach(function (advice) {
      var t = tally[advice.getAttribute("data-topic")];
      advice.hidden = true;
      if (t && t.wrong && (!weakest || t.wrong / t.answered > weakest.t.wrong / weakest.t.answered ||
          (t.wrong / t.answered === weakest.t.wrong / weakest.t.answered && t.wrong > weakest.t.wrong))) {
        weakest = { advice: advice, t: t };
      }
    });
    section.hidden = !weakest;
    if (weakest) {
      weakest.advice.hidden = false;
      weakest.advice.querySelector(".tally").textContent =
        (weakest.t.answered - weakest.t.wrong) + " of " + weakest.t.answered + " right";
    }
  }

  function filter() {
    var domain = domainFilter.value, lesson = lessonFilter.value;
    questions.forEach(function (question) {
      question.hidden = (domain && question.getAttribute("data-domain") !== domain) ||
        (lesson && question.getAttribute("data-lesson") !== lesson);
    });
  }

  questions.forEach(function (question) {
    question.addEventListener("change", function (event) {
      if (event.target.type !== "radio") { return; }
      state[question.getAttribute("data-id")] = event.target.value;
      save(); show(question); score(); advise();
    });
    show(question);
  });
  var params = new URLSearchParams(window.location.search);
  if (params.get("lesson")) { lessonFilter.value = params.get("lesson"); }
  if (params.get("domain")) { domainFilter.value = params.get("domain"); }
  domainFilter.addEventListener("change", filter);
  lessonFilter.addEventListener("change", filter);
  document.getElementById("reset").addEventListener("click", function () {
    state = {}; save(); questions.forEach(show); score(); advise();
  });
  filter(); score(); advise();
})();
