import { lastCut, type TextBlock, textBlocks } from './blocks';

async function* chunks(text: string, size: number) {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function blocksOf(text: string, size: number, chunk = 7): Promise<TextBlock[]> {
  const out: TextBlock[] = [];
  for await (const b of textBlocks(chunks(text, chunk), size)) out.push(b);
  return out;
}

describe('lastCut', () => {
  it('cuts after the last line feed outside quotes', () => {
    expect(lastCut('a,b\nc,d\ne')).toBe(8);
    expect(lastCut('a,"b\nc"\nd,"e\nf')).toBe(8);
    expect(lastCut('a,"x\n""y""\n"\n')).toBe(13);
  });

  it('finds no cut when every line feed is quoted, or there is none', () => {
    expect(lastCut('a,"b\nc\nd')).toBe(-1);
    expect(lastCut('a,b\rc,d\r')).toBe(-1);
  });
});

describe('textBlocks', () => {
  it('gives the whole text back, each block but the last ending between records', async () => {
    const text = 'n,name\n1,"Acme\nLtd"\n2,"Say ""hi"""\r\n3,x\n\n4,"a,b"\n5,y';
    const blocks = await blocksOf(text, 10);
    expect(blocks.map((b) => b.text).join('')).toBe(text);
    expect(blocks.length).toBeGreaterThan(2);
    for (const b of blocks.slice(0, -1)) {
      expect(b).toMatchObject({ cut: true, last: false });
      expect(b.text.endsWith('\n')).toBe(true);
      expect((b.text.match(/"/g) ?? []).length % 2).toBe(0);
    }
    expect(blocks.at(-1)).toMatchObject({ text: '5,y', last: true });
    expect(blocks.map((b) => b.lineFeeds)).toEqual(blocks.map((b) => (b.text.match(/\n/g) ?? []).length));
  });

  it('gives up looking for a cut at four times the size, and says so', async () => {
    const text = `a,"${'x\n'.repeat(40)}"\nb\n`;
    const blocks = await blocksOf(text, 10, 5);
    expect(blocks.map((b) => b.text).join('')).toBe(text);
    expect(blocks[0]).toMatchObject({ cut: false, last: false });
    expect(blocks[0]!.text.length).toBeGreaterThanOrEqual(40);
  });

  it('gives one last block, empty when the text ends with a line break', async () => {
    expect(await blocksOf('', 10)).toEqual([{ text: '', lineFeeds: 0, cut: true, last: true }]);
    const blocks = await blocksOf('a\nb\nc\nd\ne\nf\n', 4, 2);
    expect(blocks.at(-1)).toEqual({ text: '', lineFeeds: 0, cut: true, last: true });
  });
});
