"""An appointment round in the browser: the commission opens the 2028 round, 王芳 applies for herself
(her target completion attached) with a supporting file, HR checks her qualification, the commission scores her (ballots,
quantified, defence), ranks and proposes the hospital's list, publicises it (publicity.services),
takes and answers an objection, ends the publicity and approves; HR generates the agreement, downloads the PDF (rendered to an image
and checked) and records the signed scan; the board shows the hospital signed.
Screenshots and the rendered agreement go to artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from PIL import Image
from playwright.sync_api import expect

from appointments.choices import AppointmentStatus
from appointments.models import Appointment
from personnel.models import PostGrade
from rounds.choices import ApplicationStatus
from rounds.models import Application, AppointmentRound
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import PASSWORD
from tests.factories import PostQuotaFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def quotas(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the signed scan goes here, not to the project
    PostQuotaFactory(institution=world.hospital, year=2028, post_grade=PostGrade.objects.get(grade=8), count=2)


def _login(page, username):
    page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_small_round_from_opening_to_the_signed_agreement(world, quotas, browser_page, screenshot, tmp_path):
    page = browser_page
    messages = page.locator(".messages")

    # The commission opens the round.
    _login(page, "admin")
    page.goto("/rounds/")
    page.get_by_label("年度（新聘期所在年度）").fill("2028")
    page.get_by_label("启动日期").fill("2027-12-01")
    page.get_by_role("button", name="启动").click()
    expect(messages).to_contain_text("纳入3人")
    round_ = AppointmentRound.objects.get(year=2028)
    expect(page.get_by_test_id("total-gathered")).to_have_text("3")
    screenshot("rounds-01-opened")

    # 王芳 applies for herself.
    _login(page, "staff")
    page.goto(f"/rounds/{round_.pk}/applications/")
    page.get_by_label("申报岗位等级").select_option(label="专业技术八级")
    page.get_by_label("申报日期").fill("2027-12-05")
    page.get_by_label("业绩与佐证材料说明").fill("开展新技术2项，带教骨干1名。")
    page.get_by_role("button", name="提交申报").click()
    expect(messages).to_contain_text("王芳已申报专业技术八级")
    expect(page.get_by_test_id("applications")).to_contain_text("已申报（待资格审查）")
    proof = tmp_path / "新技术应用证明.pdf"
    proof.write_bytes(b"%PDF-1.4 proof")
    page.get_by_text("上传材料", exact=True).click()
    page.get_by_label("佐证材料文件").set_input_files(str(proof))
    page.get_by_label("材料说明", exact=True).fill("院级新技术证明")
    page.get_by_role("button", name="上传", exact=True).click()
    expect(messages).to_contain_text("已上传佐证材料")
    expect(page.get_by_role("link", name="新技术应用证明.pdf")).to_be_visible()

    # HR checks her qualification.
    _login(page, "hr")
    page.goto(f"/rounds/{round_.pk}/applications/")
    page.get_by_label("审查结论").select_option(label="通过")
    page.get_by_label("审查意见").fill("材料真实完整。")
    page.get_by_role("button", name="提交审查").click()
    expect(messages).to_contain_text("资格审查通过")

    # The commission scores: a quantified weight below the policy is refused, then a valid one.
    _login(page, "admin")
    page.goto(f"/rounds/{round_.pk}/applications/")
    screenshot("rounds-02-score-form")
    page.get_by_label("民主评议：上级").fill("90")
    page.get_by_label("民主评议：同级").fill("80, 84")
    page.get_by_label("民主评议：患者代表").fill("88")
    page.get_by_label("量化考核得分").fill("88")
    page.get_by_label("现场答辩得分").fill("82")
    page.get_by_label("量化权重").fill("0.6")
    page.get_by_label("评议权重").fill("0.2")
    page.get_by_label("答辩权重").fill("0.2")
    page.get_by_role("button", name="录入综合考核").click()
    expect(messages).to_contain_text("量化考核权重不得低于政策规定的0.7（70%）")
    assert not round_.applications.get().ballots.exists()  # nothing written
    page.get_by_label("民主评议：上级").fill("90")
    page.get_by_label("民主评议：同级").fill("80, 84")
    page.get_by_label("民主评议：患者代表").fill("88")
    page.get_by_label("量化考核得分").fill("88")
    page.get_by_label("现场答辩得分").fill("82")
    page.get_by_role("button", name="录入综合考核").click()
    expect(messages).to_contain_text("综合得分")
    screenshot("rounds-02-scored")

    # Rank, publicise, end the publicity, approve — from the board.
    page.goto(f"/rounds/{round_.pk}/")
    page.get_by_label("拟定日期").fill("2027-12-10")
    page.get_by_role("button", name="排名并拟定名单").click()
    expect(messages).to_contain_text("策勒县人民医院拟聘任1人")
    page.get_by_label("公示开始").fill("2027-12-13")
    page.get_by_role("button", name="发起公示").click()
    expect(messages).to_contain_text("已发起公示")
    screenshot("rounds-03-in-publicity")
    page.get_by_text("登记异议", exact=True).first.click()  # opens the details
    page.get_by_label("提出日期").fill("2027-12-14")
    page.get_by_label("异议人").fill("匿名")
    page.get_by_label("异议内容").fill("申报业绩材料存疑")
    page.get_by_role("button", name="登记异议").click()
    expect(messages).to_contain_text("异议已登记")
    page.get_by_label("结束日期").fill("2027-12-20")
    page.get_by_role("button", name="结束公示").click()
    expect(messages).to_contain_text("尚未答复")  # an unanswered objection blocks the end
    page.get_by_label("核查答复").fill("经核查，业绩材料属实。")
    page.get_by_role("button", name="答复").click()
    expect(messages).to_contain_text("异议已答复")
    page.get_by_label("结束日期").fill("2027-12-14")
    page.get_by_role("button", name="结束公示").click()
    expect(messages).to_contain_text("方可结束公示")  # the last working day has not passed
    page.get_by_label("结束日期").fill("2027-12-20")
    page.get_by_role("button", name="结束公示").click()
    expect(messages).to_contain_text("公示已结束")
    page.get_by_label("审批日期").fill("2027-12-21")
    page.get_by_label("批复文号").fill("策卫发〔2027〕9号")
    page.get_by_role("button", name="审批通过").click()
    expect(messages).to_contain_text("名单已审批")

    # HR generates the agreement, downloads it and records the signed scan.
    _login(page, "hr")
    page.goto(f"/rounds/{round_.pk}/applications/")
    page.get_by_role("button", name="生成聘任协议").click()
    expect(messages).to_contain_text("已生成聘任协议")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载聘任协议").click()
    pdf = tmp_path / "agreement.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    scan = tmp_path / "signed.pdf"
    scan.write_bytes(pdf.read_bytes())
    page.get_by_label("签订日期").fill("2027-12-28")
    page.get_by_label("签字扫描件（PDF/JPG/PNG）").set_input_files(str(scan))
    page.get_by_role("button", name="登记签订").click()
    expect(messages).to_contain_text("聘任协议已登记签订，新聘任自2028-01-01起")
    screenshot("rounds-04-signed")

    assert Application.objects.get(round=round_).status == ApplicationStatus.SIGNED
    new = Appointment.objects.get(staff=world.staff_in_dept, status=AppointmentStatus.ACTIVE)
    assert (new.start, new.end) == (dt.date(2028, 1, 1), dt.date(2029, 12, 31))

    page.goto(f"/rounds/{round_.pk}/")
    expect(page.get_by_test_id("total-signed")).to_have_text("1")
    screenshot("rounds-05-board")

    if shutil.which("pdftoppm") is None:
        pytest.skip("未安装 pdftoppm，无法把 PDF 渲染为图片检查。")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-singlefile", str(pdf), str(SCREENSHOTS / "rounds-agreement")],  # noqa: S607
        check=True,
    )
    image = Image.open(SCREENSHOTS / "rounds-agreement.png").convert("L")
    width, height = image.size
    assert height > width  # A4 portrait
    top = image.crop((0, 0, width, height // 5))
    middle = image.crop((0, height // 3, width, 2 * height // 3))
    assert top.getextrema()[0] < 100 and middle.getextrema()[0] < 100  # title and body inked
