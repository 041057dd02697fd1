/**
 * Lines inside the body container that are page furniture rather than article: share bars,
 * font-size switches, print/close links, pagination, copyright. They are recognised by wording,
 * and only when short, so a sentence that merely mentions 分享 or 版权 is never dropped.
 */
import type { Paragraph } from './paragraphs';

const FURNITURE =
  /^(?:分享到|分享|收藏|打印|关闭|关闭窗口|打印本页|返回顶部|返回首页|上一篇|下一篇|上一页|下一页|首页|尾页|字号|字体|【?字体[:：]?\s*[大中小]|扫一扫|扫描二维码|点击|阅读\s*\d|浏览\s*\d|评论\s*\(?\d|我要评论|发表评论|相关(?:新闻|阅读|文章|链接|推荐)|推荐阅读|延伸阅读|热门|猜你喜欢|免责声明|copyright|版权所有|©)/i;

// Site footers: licence numbers, copyright notices, report hotlines. They are punctuated and
// long enough to pass for prose, and sit right after the article, so they need naming.
const FOOTER =
  /版权所有|all rights reserved|copyright|©|ICP[备证]|许可证|举报(?:电话|邮箱|中心)|违法和不良信息|未经(?:授权|许可|书面)[^。]{0,12}(?:转载|复制|使用)|禁止(?:商业)?转载|转载请注明|公网安备/i;
// Footer link labels; a sentence may say 请联系我们, so these count only on short lines.
const FOOTER_LINKS = /联系我们|广告服务|网站地图|关于我们|隐私政策|用户协议/;

// Headings after which a page lists other articles or reader comments, never the article.
const TAIL_HEADING =
  /^(?:【?\s*)?(?:相关(?:新闻|阅读|文章|链接|报道|推荐|专题)|推荐阅读|延伸阅读|热点推荐|猜你喜欢|网友评论|热门评论|最新评论|发表评论|我来说两句|评论区)|(?:已有|共有?)\s*\d+\s*[条件篇个]?(?:评论|回复|留言)|(?:trackback|引用通告|本文引用)/i;

/** True for a short line that is page furniture. */
export function isFurniture(p: Paragraph): boolean {
  if (p.chars > 40) return false;
  return FURNITURE.test(p.text);
}

/** True for a heading that ends the article (related links, comments). */
export function isTailHeading(p: Paragraph): boolean {
  return p.chars <= 50 && TAIL_HEADING.test(p.text);
}

/** True for a site-footer line (copyright, licence numbers, hotlines). */
export function isFooter(p: Paragraph): boolean {
  return (p.chars <= 200 && FOOTER.test(p.text)) || (p.chars <= 40 && FOOTER_LINKS.test(p.text));
}
