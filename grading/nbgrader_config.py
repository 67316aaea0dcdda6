# nbgrader's configuration for the course's Go notebooks. The make targets run nbgrader with this
# folder as the configuration folder (`--config grading/nbgrader_config.py`); the course folder
# is $GODL_COURSE_DIR (default build/course): source/, release/, submitted/, autograded/,
# feedback/, the gradebook (gradebook.db) and reports/ (one JSON per submission: sandbox, checks,
# run record). Teacher's guide: README.md, "Grading a class".
import os
import pathlib
import sys

# The course folder's own nbgrader_config.py (written by `make assignments`) sets __godl_config__
# to this file's path and runs it.
here = pathlib.Path(globals().get("__godl_config__", __file__)).resolve().parent
sys.path.insert(0, str(here))

from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, ClearMarkScheme, ClearOutput, ClearSolutions,
    ComputeChecksums, DeduplicateIds, IgnorePattern, IncludeHeaderFooter, InstantiateTests, LimitOutput,
    LockCells, OverwriteCells, OverwriteKernelspec, SaveAutoGrades, SaveCells)
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
import godl_nbgrader as g  # noqa: E402

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

course = pathlib.Path(os.environ.get("GODL_COURSE_DIR", here.parent / "build" / "course")).resolve()
os.environ["GODL_COURSE_DIR"] = str(course)
c.CourseDirectory.root = str(course)
c.CourseDirectory.course_id = os.environ.get("GODL_COURSE_ID", "godl")
c.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
# Where students submit and teachers collect (a shared folder on a lab machine or the hub).
c.Exchange.root = os.environ.get("GODL_EXCHANGE", str(course / "exchange"))
c.Exchange.path_includes_course = True

# Go solution regions: `// BEGIN SOLUTION` ... `// END SOLUTION` inside a function body are
# replaced, in the students' copy, by this stub (it compiles, and the check fails on it); the
# course's own exercises get their TODO cell instead (GoStubs). Hidden tests: `// BEGIN HIDDEN
# TESTS` ... `// END HIDDEN TESTS` in a check cell.
c.ClearSolutions.code_stub = {
    "go": '// YOUR CODE HERE\npanic("not answered yet: write your code here")',
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"

c.GenerateAssignment.preprocessors = [
    IncludeHeaderFooter, InstantiateTests, LockCells, ClearSolutions, g.GoStubs, ClearOutput, CheckCellMetadata,
    ComputeChecksums, SaveCells, ClearHiddenTests, ClearMarkScheme, ComputeChecksums, CheckCellMetadata,
]
# The solutions folder is never released (it is outside the source assignments anyway).
c.GenerateAssignment.force = True

c.Autograde.sanitize_preprocessors = [
    g.KeepSubmission, ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata,
]
c.Autograde.autograde_preprocessors = [
    g.SandboxedExecute, g.GoCheckOutcomes, g.VerifyRunRecord, IgnorePattern, ClearMetadataPreprocessor,
    LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
]
c.SandboxedExecute.smoke = os.environ.get("DLNB_SMOKE", "") not in ("", "0")
c.SandboxedExecute.cell_timeout = int(os.environ.get("GODL_GRADE_CELL_TIMEOUT", "300"))
c.SandboxedExecute.total_timeout = int(os.environ.get("GODL_GRADE_TOTAL_TIMEOUT", "1800"))
c.SandboxedExecute.memory = os.environ.get("GODL_GRADE_MEMORY", "3GB")
c.SandboxedExecute.disk = os.environ.get("GODL_GRADE_DISK", "1GB")
c.VerifyRunRecord.reports = str(course / "reports")

# Feedback pages show the students' outputs: scripts and other active content are removed (the
# charts' pictures stay), so opening one runs nothing of the student's.
c.HTMLExporter.sanitize_html = True
