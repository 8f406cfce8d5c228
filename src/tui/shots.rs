//! The screenshot set: the app on a workspace, driven into each pane's telling state,
//! rendered at a fixed size. Used by `promptwright screenshots` and by the test that
//! keeps `screenshots/` fresh.

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::App;
use super::keymap::Action;
use super::screenshot;

pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 36;

pub struct Shot {
    pub name: &'static str,
    pub text: String,
    pub svg: String,
}

fn shoot(name: &'static str, app: &App) -> Shot {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("test backend");
    super::render(&mut terminal, app).expect("test backend draws");
    let buf = terminal.backend().buffer();
    Shot {
        name,
        text: screenshot::to_text(buf),
        svg: screenshot::to_svg(buf),
    }
}

/// Every pane of the app on the workspace at `root`.
pub fn all(root: &Path) -> Vec<Shot> {
    let (info, pane) = super::load(root);
    let mut app = App::new(info, pane);
    app.size = ratatui::layout::Rect::new(0, 0, WIDTH, HEIGHT);
    let mut shots = vec![shoot("1-prompts", &app)];
    app.act(Action::Edit);
    shots.push(shoot("1-prompts-editing", &app));
    app.act(Action::LeaveEditor);
    app.act(Action::ToggleHelp);
    shots.push(shoot("1-prompts-help", &app));
    app.act(Action::ToggleHelp);
    for (i, name) in [(1, "2-evals"), (2, "3-diff"), (3, "4-release")] {
        app.act(Action::Tab(i));
        shots.push(shoot(name, &app));
    }
    shots
}
