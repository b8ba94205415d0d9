"""What a task changed, with both texts: the verdict's view of an attempt."""

from __future__ import annotations

from vcs_helpers import GitRepo

from roadmapd.vcs import Plumbing, capture_checkpoint
from roadmapd.vcs.changes import file_changes


def test_file_changes_gives_both_texts_and_marks_binary_and_large(repo: GitRepo) -> None:
    repo.write("keep.py", "same\n")
    repo.write("edit.py", "old\n")
    repo.write("gone.py", "bye\n")
    repo.commit_all()
    pl = Plumbing(repo.root)
    cp = capture_checkpoint(pl, "t", "x")
    assert file_changes(pl, cp) == ()
    repo.write("edit.py", "new\n")
    (repo.root / "gone.py").unlink()
    repo.write("added.py", "hello\n")
    repo.write("blob.bin", b"\x00\x01\x02")
    repo.write("huge.txt", "x" * 300_000)
    changes = {c.path: c for c in file_changes(pl, cp)}
    assert sorted(changes) == ["added.py", "blob.bin", "edit.py", "gone.py", "huge.txt"]
    edit, gone, added = changes["edit.py"], changes["gone.py"], changes["added.py"]
    assert (edit.before, edit.after, edit.existed, edit.exists) == ("old\n", "new\n", True, True)
    assert (gone.before, gone.after, gone.existed, gone.exists) == ("bye\n", None, True, False)
    assert (added.before, added.after, added.existed) == (None, "hello\n", False)
    assert changes["blob.bin"].binary and changes["blob.bin"].after is None
    huge = changes["huge.txt"]
    assert not huge.binary and huge.after is None and huge.size == 300_000
