// Start-a-visit form: list only the chosen program's teams, and preselect a team's own format.
// Without JavaScript the teams stay grouped under their programs and the server checks the choice.
(function () {
  var program = document.getElementById("program_id");
  var team = document.getElementById("team_id");
  if (!program || !team) return;
  var groups = Array.prototype.slice.call(team.querySelectorAll("optgroup"));
  var hint = document.getElementById("team-hint");
  function filter() {
    groups.forEach(function (group) {
      var show = !program.value || group.dataset.program === program.value;
      group.hidden = !show;
      group.disabled = !show;
      if (!show && group.contains(team.selectedOptions[0])) team.value = "";
    });
    if (hint) hint.textContent = program.value ? "Teams of the program chosen." : "Choose a program to see its teams.";
  }
  team.addEventListener("change", function () {
    var option = team.selectedOptions[0];
    var format = option && option.dataset.format;
    var radio = format && document.querySelector('input[name="format"][value="' + format + '"]');
    if (radio) radio.checked = true;
  });
  program.addEventListener("change", filter);
  filter();
})();
