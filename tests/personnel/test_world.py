from personnel.scoping import visible_staff


def test_world_builds_and_hr_sees_hospital_and_branch(world):
    names = set(visible_staff(world.users["hospital_hr"]).values_list("name", flat=True))
    assert names == {"艾合买提", "王芳", "李强", "张伟"}
