import calc


def test_add() -> None:
    assert calc.add(2, 3) == 5
